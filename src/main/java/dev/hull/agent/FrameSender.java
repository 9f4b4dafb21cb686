package dev.hull.agent;

import java.io.IOException;

/** Where streams send their frames: the one connection to the agent, shared under a lock. */
interface FrameSender {
    void send(Frame frame) throws IOException;

    /** For credits: once the connection is gone there is nobody left to tell. */
    default void sendQuietly(Frame frame) {
        try {
            send(frame);
        } catch (IOException ignored) {
            // The connection is closed; the reader reports that to every waiter.
        }
    }
}
