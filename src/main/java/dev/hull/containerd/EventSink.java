package dev.hull.containerd;

import com.google.protobuf.Message;
import java.util.concurrent.CompletableFuture;

/** Where the task events go: containerd's events service ({@link Events}), or a recording in a test. */
@FunctionalInterface
interface EventSink {
    /** Queues the event under its topic ("/tasks/exit"); completes once it is out (or dropped). */
    CompletableFuture<Void> publish(String topic, Message event);
}
