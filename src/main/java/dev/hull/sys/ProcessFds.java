package dev.hull.sys;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Another process's stdio, the way an inherited fd is: pidfd_getfd(2) duplicates its descriptor, so the
 * two share one open file (offset, append mode), and output written here lands where that process's own
 * next write would, in order with it. Opening /proc/PID/fd/N instead makes a new open file: on a regular
 * file its offset starts at 0 and overwrites, or is overwritten by, what the process writes. That stays
 * the fallback where pidfd_getfd is refused (another user's process under Yama's ptrace scope).
 */
public final class ProcessFds {
    /* Syscall numbers. pidfd_open and pidfd_getfd are new enough to have one number on every
     * architecture; kcmp's is x86_64's (arch/x86/entry/syscalls/syscall_64.tbl), the only host Hull runs
     * on: the generic table's 272 (arm64) is unshare(2) there, so elsewhere kcmp is not called at all. */
    private static final long SYS_PIDFD_OPEN = 434;
    private static final long SYS_PIDFD_GETFD = 438;
    private static final long SYS_KCMP_X86_64 = 312;
    private static final boolean X86_64 = "amd64".equals(System.getProperty("os.arch"));
    private static final long KCMP_FILE = 0;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final short POLLIN = 1;
    private static final short POLLOUT = 4;

    private ProcessFds() {
    }

    private static final class Calls {
        static final MethodHandle SYSCALL = Native.link("syscall", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        static final MethodHandle SYSCALL5 = Native.link("syscall", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), Linker.Option.firstVariadicArg(1));
        static final MethodHandle READ = io("read");
        static final MethodHandle WRITE = io("write");
        static final MethodHandle POLL = Native.link("poll", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

        private static MethodHandle io(String name) {
            return Native.withErrno(name, FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        }
    }

    /** Process {@code pid}'s fd {@code fd} to read from. */
    public static InputStream input(long pid, int fd) throws IOException {
        int own = duplicate(pid, fd);
        return own >= 0 ? new In(own) : new FileInputStream(procPath(pid, fd).toFile());
    }

    /** Process {@code pid}'s fd {@code fd} to write to. */
    public static OutputStream output(long pid, int fd) throws IOException {
        int own = duplicate(pid, fd);
        return own >= 0 ? new Out(own) : new FileOutputStream(procPath(pid, fd).toFile(), true);
    }

    /**
     * Whether process {@code pid}'s fds {@code a} and {@code b} are one open file, as {@code 2>&1} makes them.
     * kcmp(2) tells exactly; where it cannot (a kernel without CONFIG_KCMP, another architecture), the
     * same file or pipe behind both is taken for it: for a pipe or a terminal that is all that matters,
     * and a regular file opened twice with separate offsets is a case that clobbers its own output anyway.
     */
    public static boolean sameOpenFile(long pid, int a, int b) {
        try {
            long same = X86_64 ? (long) Calls.SYSCALL5.invokeExact(SYS_KCMP_X86_64, pid, pid, KCMP_FILE, (long) a,
                    (long) b) : -1;
            if (same >= 0) {
                return same == 0;
            }
            Path pa = procPath(pid, a);
            Path pb = procPath(pid, b);
            return Files.getAttribute(pa, "unix:dev").equals(Files.getAttribute(pb, "unix:dev"))
                    && Files.getAttribute(pa, "unix:ino").equals(Files.getAttribute(pb, "unix:ino"));
        } catch (Throwable t) {
            return false;
        }
    }

    private static Path procPath(long pid, int fd) {
        return Path.of("/proc", Long.toString(pid), "fd", Integer.toString(fd));
    }

    /** A descriptor of this process for the same open file, or -1. */
    private static int duplicate(long pid, int fd) {
        try {
            long pidfd = (long) Calls.SYSCALL.invokeExact(SYS_PIDFD_OPEN, pid, 0L, 0L);
            if (pidfd < 0) {
                return -1;
            }
            try {
                return (int) (long) Calls.SYSCALL.invokeExact(SYS_PIDFD_GETFD, pidfd, (long) fd, 0L);
            } finally {
                Native.close((int) pidfd);
            }
        } catch (Throwable t) {
            return -1;
        }
    }

    /**
     * A watch on process {@code pid}'s end through a pidfd (pidfd_open(2)), which stays that process even once
     * its number is reused; null when the process is gone or the kernel has no pidfds.
     */
    public static ExitWatch watchExit(long pid) {
        try {
            int fd = (int) (long) Calls.SYSCALL.invokeExact(SYS_PIDFD_OPEN, pid, 0L, 0L);
            return fd < 0 ? null : new ExitWatch(fd);
        } catch (Throwable t) {
            return null;
        }
    }

    /** A pidfd, readable once its process has ended. */
    public static final class ExitWatch implements AutoCloseable {
        private final int fd;

        private ExitWatch(int fd) {
            this.fd = fd;
        }

        /** Whether the process has ended, waiting at most {@code millis}. */
        public boolean ended(int millis) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment pfd = arena.allocate(8);
                pfd.set(ValueLayout.JAVA_INT, 0, fd);
                pfd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
                // n < 0 is EINTR: not an end, the caller asks again.
                return (int) Calls.POLL.invokeExact(pfd, 1L, millis) > 0;
            } catch (Throwable t) {
                throw new IOException(t);
            }
        }

        @Override
        public void close() {
            Native.close(fd);
        }
    }

    /**
     * read(2) or write(2) of up to {@code len} bytes; retries on EINTR, and waits with poll(2) on EAGAIN:
     * the open file is shared, so the other process may have made it non-blocking.
     */
    private static long transfer(MethodHandle call, int fd, MemorySegment buf, long len, short event)
            throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            while (true) {
                long n = (long) call.invokeExact(state, fd, buf, len);
                if (n >= 0) {
                    return n;
                }
                int errno = Native.errno(state);
                if (errno == EAGAIN) {
                    MemorySegment pfd = arena.allocate(8);
                    pfd.set(ValueLayout.JAVA_INT, 0, fd);
                    pfd.set(ValueLayout.JAVA_SHORT, 4, event);
                    int ignored = (int) Calls.POLL.invokeExact(pfd, 1L, 1000);
                } else if (errno != EINTR) {
                    throw new IOException((call == Calls.READ ? "read" : "write") + " failed: errno " + errno);
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** Whether {@code fd} has {@code event} (or an error or hang-up) within {@code millis}. */
    private static boolean ready(Arena arena, int fd, short event, int millis) throws IOException {
        MemorySegment pfd = arena.allocate(8);
        pfd.set(ValueLayout.JAVA_INT, 0, fd);
        pfd.set(ValueLayout.JAVA_SHORT, 4, event);
        try {
            int n = (int) Calls.POLL.invokeExact(pfd, 1L, millis);
            // n < 0 is EINTR (or a bad fd, which the read then reports): let the read find out.
            return n != 0;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /**
     * A descriptor closed only when no read or write is using it: closing it under a blocked read would
     * let the number be reused and the next read take from another file.
     */
    private static final class RawFd {
        private final int fd;
        private int users;
        private boolean closed;

        RawFd(int fd) {
            this.fd = fd;
        }

        synchronized int enter() throws IOException {
            if (closed) {
                throw new IOException("stream closed");
            }
            users++;
            return fd;
        }

        /** Whether close was asked for (it happens when the last read or write ends). */
        synchronized boolean closing() {
            return closed;
        }

        synchronized void exit() {
            if (--users == 0 && closed) {
                Native.close(fd);
            }
        }

        synchronized void close() {
            if (!closed) {
                closed = true;
                if (users == 0) {
                    Native.close(fd);
                }
            }
        }
    }

    private static final class In extends InputStream {
        private final RawFd fd;

        In(int fd) {
            this.fd = new RawFd(fd);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int raw = fd.enter();
            try (Arena arena = Arena.ofConfined()) {
                // Waits in poll(2), not in read(2): a close from another thread (the process this stdin
                // was for has ended) then ends the wait, even when the writer never closes its end.
                while (!ready(arena, raw, POLLIN, 200)) {
                    if (fd.closing()) {
                        return -1;
                    }
                }
                MemorySegment buf = arena.allocate(len);
                long n = transfer(Calls.READ, raw, buf, len, POLLIN);
                if (n == 0) {
                    return -1;
                }
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
                return (int) n;
            } finally {
                fd.exit();
            }
        }

        @Override
        public void close() {
            fd.close();
        }
    }

    private static final class Out extends OutputStream {
        private final RawFd fd;

        Out(int fd) {
            this.fd = new RawFd(fd);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int raw = fd.enter();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(Math.max(1, len));
                MemorySegment.copy(b, off, buf, ValueLayout.JAVA_BYTE, 0, len);
                long done = 0;
                while (done < len) {
                    done += transfer(Calls.WRITE, raw, buf.asSlice(done), len - done, POLLOUT);
                }
            } finally {
                fd.exit();
            }
        }

        @Override
        public void close() {
            fd.close();
        }
    }
}
