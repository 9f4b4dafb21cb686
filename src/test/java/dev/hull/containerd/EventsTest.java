package dev.hull.containerd;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Empty;
import dev.hull.containerd.api.events.TaskExit;
import dev.hull.containerd.api.services.events.ttrpc.v1.Envelope;
import dev.hull.containerd.api.services.events.ttrpc.v1.ForwardRequest;
import dev.hull.ttrpc.Method;
import dev.hull.ttrpc.TtrpcServer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventsTest {
    @TempDir
    Path dir;

    @Test
    void anEventIsTypedByItsBareProtobufName() {
        var any = Events.pack(TaskExit.newBuilder().setContainerId("c").build());
        assertThat(any.getTypeUrl()).as("containerd 1.6's typeurl for its events")
                .isEqualTo("containerd.events.TaskExit");
    }

    @Test
    void timestampsKeepNanoseconds() {
        var t = Events.timestamp(Instant.ofEpochSecond(1_700_000_000L, 123_456_789));
        assertThat(t.getSeconds()).isEqualTo(1_700_000_000L);
        assertThat(t.getNanos()).isEqualTo(123_456_789);
    }

    @Test
    void eventsReachContainerdsEventServiceInOrderWithTheirNamespace() throws Exception {
        List<Envelope> got = new CopyOnWriteArrayList<>();
        Path socket = dir.resolve("containerd.sock.ttrpc");
        try (TtrpcServer server = new TtrpcServer()) {
            server.register("containerd.services.events.ttrpc.v1.Events", "Forward",
                    Method.of(ForwardRequest.parser(), r -> {
                        got.add(r.getEnvelope());
                        return Empty.getDefaultInstance();
                    }));
            server.serve(socket);
            try (Events events = new Events(socket, "k8s.io")) {
                events.publish("/tasks/start", TaskExit.newBuilder().setContainerId("a").build());
                events.publish("/tasks/exit", TaskExit.newBuilder().setContainerId("a").setExitStatus(3).build())
                        .get(10, TimeUnit.SECONDS);
            }
        }
        assertThat(got).extracting(Envelope::getTopic).containsExactly("/tasks/start", "/tasks/exit");
        assertThat(got).extracting(Envelope::getNamespace).containsOnly("k8s.io");
        assertThat(TaskExit.parseFrom(got.get(1).getEvent().getValue()).getExitStatus()).isEqualTo(3);
    }

    @Test
    void withoutContainerdAnEventIsDoneAtOnce() throws Exception {
        try (Events events = new Events(null, "default")) {
            assertThat(events.publish("/tasks/oom", TaskExit.getDefaultInstance())).isDone();
        }
    }
}
