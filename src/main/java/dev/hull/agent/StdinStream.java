package dev.hull.agent;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * A process's stdin as an OutputStream: writes become DATA frames, never more in flight than the agent
 * has credited, so a process that does not read its stdin blocks only this writer. Closing it sends
 * CLOSE, which the agent turns into end-of-file for the process.
 */
public final class StdinStream extends OutputStream {
    private final int stream;
    private final FrameSender sender;
    private int window = Frame.INITIAL_WINDOW;
    private boolean closed;
    private IOException broken;

    StdinStream(int stream, FrameSender sender) {
        this.stream = stream;
        this.sender = sender;
    }

    public int streamId() {
        return stream;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = reserve(Math.min(len, Frame.MAX_DATA));
            sender.send(new Frame(FrameType.DATA, stream, Arrays.copyOfRange(b, off, off + n)));
            off += n;
            len -= n;
        }
    }

    private synchronized int reserve(int wanted) throws IOException {
        while (window == 0 && broken == null && !closed) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for stdin credit");
            }
        }
        if (broken != null) {
            throw broken;
        }
        if (closed) {
            throw new IOException("stdin stream " + stream + " is closed");
        }
        int n = Math.min(wanted, window);
        window -= n;
        return n;
    }

    /**
     * The agent gives back what it wrote to the process. A credit that is not positive or that would give
     * more than was ever sent is the guest lying: the stream fails rather than letting it overrun.
     */
    synchronized void credit(int bytes) {
        if (bytes <= 0 || (long) window + bytes > Frame.INITIAL_WINDOW) {
            fail(new ProtocolException("agent credited " + Integer.toUnsignedString(bytes) + " bytes of stdin"
                    + " stream " + streamId() + " with " + window + " of " + Frame.INITIAL_WINDOW + " left unsent"));
            return;
        }
        window += bytes;
        notifyAll();
    }

    synchronized void fail(IOException cause) {
        broken = cause;
        notifyAll();
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        if (broken == null) {
            sender.send(Frame.close(stream));
        }
    }
}
