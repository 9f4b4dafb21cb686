package dev.hull.agent;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Delivers one output stream (agent to host) to its sink on a thread of its own, and credits the agent
 * only once bytes are delivered. The frame reader only queues, so a slow sink holds back its own stream
 * (the agent stops reading that pipe when the window is spent) and never the others. The queue cannot
 * grow past the window the agent is allowed.
 *
 * <p>Credits go back in batches of {@link #CREDIT_BATCH} bytes: a workload writing 4 KiB at a time (busybox,
 * stdio's buffer) gets 4 KiB frames, and a CREDIT for each cost the guest an interrupt and a wake-up of the
 * agent per frame (bench/stdout, `head -c` under TCG: 4.9 MB/s so, 8.3 in batches). Holding back less than a
 * batch leaves the agent three quarters of its window, so it never waits for the credit held back: with the
 * window spent, at least that much is queued here and its delivery completes a batch.
 */
final class OutputRelay {
    private static final byte[] END = new byte[0];
    static final int CREDIT_BATCH = Frame.INITIAL_WINDOW / 4;

    private final int stream;
    private final OutputStream sink;
    private final FrameSender sender;
    private final BlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    /** Bytes the agent sent and was not credited for: queued, or delivered and owed. */
    private long inFlight;

    OutputRelay(int stream, OutputStream sink, FrameSender sender) {
        this.stream = stream;
        this.sink = sink;
        this.sender = sender;
        Thread.ofPlatform().daemon().name("hull-out-" + stream).start(this::deliver);
    }

    /** Called by the frame reader. */
    void accept(byte[] data) throws ProtocolException {
        synchronized (this) {
            inFlight += data.length;
            if (inFlight > Frame.INITIAL_WINDOW) {
                throw new ProtocolException("agent overran the window of stream " + stream);
            }
        }
        queue.add(data);
    }

    /** End of stream: the agent sent CLOSE, or the connection is gone. */
    void end() {
        queue.add(END);
    }

    CompletableFuture<Void> done() {
        return done;
    }

    void closeSink() {
        try {
            sink.close();
        } catch (IOException ignored) {
            // Closing is only to let the reader see the end.
        }
    }

    private void deliver() {
        boolean sinkBroken = false;
        int owed = 0;
        try {
            while (true) {
                byte[] chunk = queue.take();
                if (chunk == END) {
                    break;
                }
                if (!sinkBroken) {
                    try {
                        sink.write(chunk);
                        sink.flush();
                    } catch (IOException e) {
                        // The reader went away: keep crediting so the process is not stalled forever.
                        sinkBroken = true;
                    }
                }
                owed += chunk.length;
                if (owed >= CREDIT_BATCH) {
                    synchronized (this) {
                        inFlight -= owed;
                    }
                    sender.sendQuietly(Frame.credit(stream, owed));
                    owed = 0;
                }
            }
            done.complete(null);
        } catch (InterruptedException e) {
            done.completeExceptionally(e);
        }
    }
}
