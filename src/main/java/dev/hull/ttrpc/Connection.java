package dev.hull.ttrpc;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One ttrpc connection, either end: one reader, and writers from any thread (a server's calls answer
 * from their own threads, a client's callers send from theirs), one whole frame at a time.
 */
final class Connection implements AutoCloseable {
    private final SocketChannel channel;
    private final ReentrantLock writing = new ReentrantLock();

    Connection(SocketChannel channel) {
        this.channel = channel;
    }

    /** The next frame; null at the peer's clean end. Only the connection's reader calls it. */
    Frame receive() throws IOException {
        return FrameCodec.read(channel);
    }

    void send(Frame frame) throws IOException {
        writing.lock();
        try {
            FrameCodec.write(channel, frame);
        } finally {
            writing.unlock();
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // Closing a socket has nothing left to report: the peer sees the end either way.
        }
    }
}
