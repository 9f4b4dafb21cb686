package dev.hull.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * Host terminals through FFM: make a pty pair, switch a tty to raw mode (the guest's pty does the line
 * discipline, so the host side must pass every byte, Ctrl-C included, untouched), read its window size,
 * open and close by path.
 */
public final class Terminal {
    private static final long TIOCGWINSZ = 0x5413;
    private static final long TIOCSWINSZ = 0x5414;
    private static final int TERMIOS_BYTES = 60;
    /** openpty(3) writes the slave's name unbounded; /dev/pts/N is far shorter than this. */
    private static final int PTY_NAME_SIZE = 128;
    private static final int O_RDWR = 2;
    private static final int O_NOCTTY = 0x100;
    private static final int O_CLOEXEC = 0x80000;

    private Terminal() {
    }

    private static final class H {
        static final MethodHandle OPENPTY = Native.link("openpty", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.ADDRESS));
        static final MethodHandle TCGETATTR = Native.link("tcgetattr", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        static final MethodHandle TCSETATTR = Native.link("tcsetattr", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        static final MethodHandle CFMAKERAW = Native.link("cfmakeraw", FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        static final MethodHandle IOCTL = Native.link("ioctl", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS), Linker.Option.firstVariadicArg(2));
        static final MethodHandle OPEN = Native.link("open", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2));
        static final MethodHandle CLOSE = Native.link("close", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT));
        static final MethodHandle ISATTY = Native.link("isatty", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT));
    }

    /** A new pty: master and slave fds, and the slave's path. */
    public record Pty(int master, int slave, String slavePath) {
    }

    public record Size(int rows, int cols) {
    }

    public static Pty openpty() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment master = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment slave = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment name = a.allocate(PTY_NAME_SIZE);
            int rc = (int) H.OPENPTY.invokeExact(master, slave, name, MemorySegment.NULL, MemorySegment.NULL);
            if (rc != 0) {
                throw new IllegalStateException("openpty failed");
            }
            return new Pty(master.get(ValueLayout.JAVA_INT, 0), slave.get(ValueLayout.JAVA_INT, 0),
                    name.getString(0, StandardCharsets.US_ASCII));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("openpty", t);
        }
    }

    public static boolean isatty(int fd) {
        try {
            return (int) H.ISATTY.invokeExact(fd) == 1;
        } catch (Throwable t) {
            return false;
        }
    }

    /** Opens a terminal by path (read-write, not as a controlling tty) and returns its fd. */
    public static int open(String path) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) H.OPEN.invokeExact(a.allocateFrom(path), O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (fd < 0) {
                throw new IOException("cannot open terminal " + path);
            }
            return fd;
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("open " + path, t);
        }
    }

    public static void close(int fd) {
        try {
            int ignored = (int) H.CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // Closing is best effort.
        }
    }

    /** Switches {@code fd} to raw mode; returns the previous settings for {@link #restore}, or null. */
    public static byte[] makeRaw(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment t = a.allocate(TERMIOS_BYTES);
            if ((int) H.TCGETATTR.invokeExact(fd, t) != 0) {
                return null;
            }
            byte[] saved = t.toArray(ValueLayout.JAVA_BYTE);
            H.CFMAKERAW.invokeExact(t);
            int ignored = (int) H.TCSETATTR.invokeExact(fd, 0, t);
            return saved;
        } catch (Throwable t) {
            return null;
        }
    }

    public static void restore(int fd, byte[] saved) {
        if (saved == null) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment t = a.allocate(TERMIOS_BYTES);
            t.copyFrom(MemorySegment.ofArray(saved));
            int ignored = (int) H.TCSETATTR.invokeExact(fd, 0, t);
        } catch (Throwable t) {
            // The terminal is gone.
        }
    }

    /** The window size of a terminal, or null when {@code fd} is not one. */
    public static Size size(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ws = a.allocate(8);
            if ((int) H.IOCTL.invokeExact(fd, TIOCGWINSZ, ws) != 0) {
                return null;
            }
            return new Size(Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 0)),
                    Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 2)));
        } catch (Throwable t) {
            return null;
        }
    }

    public static void setSize(int fd, Size size) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ws = a.allocate(8);
            ws.set(ValueLayout.JAVA_SHORT, 0, (short) size.rows());
            ws.set(ValueLayout.JAVA_SHORT, 2, (short) size.cols());
            int ignored = (int) H.IOCTL.invokeExact(fd, TIOCSWINSZ, ws);
        } catch (Throwable t) {
            // Best effort: the guest keeps its size.
        }
    }
}
