package dev.hull.containerd;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.hull.containerd.api.services.events.ttrpc.v1.Envelope;
import dev.hull.containerd.api.services.events.ttrpc.v1.ForwardRequest;
import dev.hull.logging.Log;
import dev.hull.ttrpc.TtrpcClient;
import dev.hull.ttrpc.TtrpcException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The task events containerd learns from the shim (TaskCreate, TaskStart, TaskExit, TaskDelete, ...),
 * forwarded over ttrpc to containerd's events service at {@code TTRPC_ADDRESS}, one at a time and in the
 * order they happened (containerd's CRI plugin takes a container to have exited on TaskExit, and a
 * TaskExit after its TaskDelete would be lost). An event containerd cannot take is tried again a few
 * times, then logged and dropped: the task's own calls (Wait, State) still say what happened.
 */
final class Events implements EventSink, AutoCloseable {
    private static final String SERVICE = "containerd.services.events.ttrpc.v1.Events";
    private static final Duration CALL = Duration.ofSeconds(10);
    private static final int TRIES = 5;

    private record Item(Envelope envelope, CompletableFuture<Void> sent) {
    }

    private final Path address;
    private final String namespace;
    private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private TtrpcClient client;

    Events(Path address, String namespace) {
        this.address = address;
        this.namespace = namespace;
        Thread.ofPlatform().daemon().name("hull-v2-events").start(this::forward);
    }

    /** containerd's type URL of an event: its protobuf name alone (as containerd's typeurl registers them). */
    static Any pack(Message event) {
        return Any.newBuilder().setTypeUrl(event.getDescriptorForType().getFullName())
                .setValue(event.toByteString()).build();
    }

    static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    @Override
    public CompletableFuture<Void> publish(String topic, Message event) {
        var envelope = Envelope.newBuilder().setTimestamp(timestamp(Instant.now())).setNamespace(namespace)
                .setTopic(topic).setEvent(pack(event)).build();
        Item item = new Item(envelope, new CompletableFuture<>());
        if (address == null) {
            item.sent().complete(null);
        } else {
            queue.add(item);
        }
        return item.sent();
    }

    private void forward() {
        while (true) {
            Item item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            send(item);
            item.sent().complete(null);
        }
    }

    private void send(Item item) {
        for (int i = 1; i <= TRIES; i++) {
            try {
                if (client == null) {
                    client = TtrpcClient.connect(address);
                }
                client.call(SERVICE, "Forward", ForwardRequest.newBuilder().setEnvelope(item.envelope()).build(),
                        Empty.parser(), CALL);
                return;
            } catch (IOException | TtrpcException e) {
                Log.debug("event " + item.envelope().getTopic() + " to containerd (try " + i + "): " + e.getMessage());
                if (client != null) {
                    client.close();
                    client = null;
                }
                try {
                    Thread.sleep(100L * i);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        Log.warn("containerd did not take the event " + item.envelope().getTopic() + "; dropped");
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
