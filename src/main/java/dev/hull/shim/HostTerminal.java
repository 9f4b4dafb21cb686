package dev.hull.shim;

import dev.hull.sys.FdPassing;
import dev.hull.sys.Terminal;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * The host end of a workload's terminal. The guest has the real pty (and its line discipline); the host
 * tty is switched to raw mode so every byte, Ctrl-C included, reaches the guest untouched, and its window
 * size is what the guest's pty gets. Three sources, as runc and cc-oci-runtime have them: a new pty whose
 * master goes to {@code --console-socket}, a terminal named by {@code --console}, or this process's own
 * stdin/stdout (attached {@code run} in a terminal).
 */
public final class HostTerminal implements AutoCloseable {
    private final InputStream in;
    private final OutputStream out;
    private final int fd;
    private final boolean ownsFd;
    private final byte[] saved;

    private HostTerminal(InputStream in, OutputStream out, int fd, boolean ownsFd, byte[] saved) {
        this.in = in;
        this.out = out;
        this.fd = fd;
        this.ownsFd = ownsFd;
        this.saved = saved;
    }

    /** Where the terminal comes from: a console socket, a console path, or neither (this process's stdio). */
    public record Source(Path consoleSocket, Path console) {
        public static final Source INHERITED = new Source(null, null);
    }

    public static HostTerminal open(Source source) throws IOException {
        if (source.consoleSocket() != null) {
            Terminal.Pty pty = Terminal.openpty();
            Terminal.makeRaw(pty.slave());
            try {
                FdPassing.send(source.consoleSocket(), pty.slavePath(), pty.master());
            } finally {
                Terminal.close(pty.master());
            }
            return new HostTerminal(new FileInputStream(pty.slavePath()), new FileOutputStream(pty.slavePath()),
                    pty.slave(), true, null);
        }
        if (source.console() != null) {
            String path = source.console().toString();
            int fd = Terminal.open(path);
            return new HostTerminal(new FileInputStream(path), new FileOutputStream(path), fd, true,
                    Terminal.makeRaw(fd));
        }
        byte[] saved = Terminal.isatty(0) ? Terminal.makeRaw(0) : null;
        return new HostTerminal(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out), 0,
                false, saved);
    }

    /**
     * The stdio of another process (an exec's CLI) through /proc: raw mode and window size when its stdin
     * is a terminal; a plain relay of its pipes otherwise (runc's exec -t without a console socket).
     */
    public static HostTerminal ofProcess(Path fdDir) throws IOException {
        String in = fdDir.resolve("0").toString();
        int fd = -1;
        byte[] saved = null;
        try {
            fd = Terminal.open(in);
            if (Terminal.isatty(fd)) {
                saved = Terminal.makeRaw(fd);
            } else {
                Terminal.close(fd);
                fd = -1;
            }
        } catch (IOException e) {
            fd = -1;
        }
        return new HostTerminal(new FileInputStream(in), new FileOutputStream(fdDir.resolve("1").toFile(), true), fd,
                fd >= 0, saved);
    }

    public InputStream in() {
        return in;
    }

    public OutputStream out() {
        return out;
    }

    /** The host tty's window size, or null when it has none. */
    public Terminal.Size size() {
        if (fd < 0) {
            return null;
        }
        Terminal.Size s = Terminal.size(fd);
        return s == null || s.rows() == 0 ? null : s;
    }

    /** Gives the terminal its settings back (a person's shell must not stay raw). */
    @Override
    public void close() {
        if (fd < 0) {
            return;
        }
        Terminal.restore(fd, saved);
        if (ownsFd) {
            Terminal.close(fd);
        }
    }
}
