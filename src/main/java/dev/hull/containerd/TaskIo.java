package dev.hull.containerd;

import dev.hull.shim.HostStdio;
import dev.hull.error.BadInputException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A process's stdio as containerd names it: fifos (or nothing) for stdin, stdout and stderr. The outputs
 * are opened read-write, which never blocks on a fifo whatever its reader does; stdin is opened by the
 * thread that first reads it (opening a fifo to read waits for a writer) through a channel, so that
 * CloseIO can end a read that waits. With a terminal the guest's pty merges stderr into stdout.
 */
final class TaskIo implements AutoCloseable {
    private final OutputStream out;
    private final OutputStream err;
    private final LazyFifoInput in;

    private TaskIo(OutputStream out, OutputStream err, LazyFifoInput in) {
        this.out = out;
        this.err = err;
        this.in = in;
    }

    static TaskIo open(String stdin, String stdout, String stderr, boolean terminal)
            throws IOException, BadInputException {
        URI out = uri(stdout);
        if (out != null && "file".equals(out.getScheme())) {
            // ctr's --log-uri file://PATH: both outputs appended to that file, as runc's shim does.
            OutputStream log = appending(Path.of(out.getPath()));
            return new TaskIo(log, terminal ? null : log, input(stdin));
        }
        if (out != null && out.getScheme() != null) {
            throw new BadInputException("stdout " + stdout + ": Hull's v2 shim takes fifos and file:// URIs, not "
                    + out.getScheme() + "://");
        }
        return new TaskIo(output(stdout), terminal ? null : output(stderr), input(stdin));
    }

    /** A URI when it names a scheme ({@code file://…}); null for a plain path (a fifo) or none. */
    private static URI uri(String path) throws BadInputException {
        if (path == null || !path.contains("://")) {
            return null;
        }
        try {
            return new URI(path);
        } catch (URISyntaxException e) {
            throw new BadInputException("stdio path " + path + " is no path or URI: " + e.getMessage());
        }
    }

    private static LazyFifoInput input(String stdin) {
        return stdin == null || stdin.isEmpty() ? null : new LazyFifoInput(Path.of(stdin));
    }

    private static OutputStream appending(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
    }

    private static OutputStream output(String path) throws IOException {
        if (path == null || path.isEmpty()) {
            return null;
        }
        RandomAccessFile file = new RandomAccessFile(path, "rw");
        return new FileOutputStream(file.getFD()) {
            @Override
            public void close() throws IOException {
                file.close();
            }
        };
    }

    HostStdio stdio() {
        return new HostStdio(null, out, err, in == null ? InputStream.nullInputStream() : in);
    }

    /** containerd's CloseIO: the process's stdin ends (a read waiting for the fifo's writer ends too). */
    void closeStdin() {
        if (in != null) {
            in.close();
        }
    }

    /** Once the process has ended and its output is out: the fifos' readers see their end. */
    @Override
    public void close() {
        for (OutputStream s : err == out ? new OutputStream[] {out} : new OutputStream[] {out, err}) {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // Its reader went away first.
                }
            }
        }
        closeStdin();
    }

    /** A fifo opened on the first read, through a FileChannel, whose close wakes a read that waits. */
    private static final class LazyFifoInput extends InputStream {
        private final Path path;
        private FileChannel channel;
        private boolean closed;

        LazyFifoInput(Path path) {
            this.path = path;
        }

        private FileChannel channel() throws IOException {
            synchronized (this) {
                if (closed) {
                    return null;
                }
                if (channel != null) {
                    return channel;
                }
            }
            // Outside the lock: it waits for a writer, and close() must not wait for it.
            FileChannel opened = FileChannel.open(path, StandardOpenOption.READ);
            synchronized (this) {
                if (closed) {
                    opened.close();
                    return null;
                }
                channel = opened;
                return channel;
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            FileChannel ch = channel();
            if (ch == null) {
                return -1;
            }
            return ch.read(ByteBuffer.wrap(b, off, len));
        }

        @Override
        public void close() {
            FileChannel ch;
            synchronized (this) {
                closed = true;
                ch = channel;
            }
            try {
                if (ch != null) {
                    ch.close();
                } else {
                    // A read may wait in open(2) for a writer: a moment's writer (O_RDWR never waits on a
                    // fifo) lets that open return, and the reader then finds the stream closed.
                    new RandomAccessFile(path.toFile(), "rw").close();
                }
            } catch (IOException ignored) {
                // Nothing more is read from it either way.
            }
        }
    }
}
