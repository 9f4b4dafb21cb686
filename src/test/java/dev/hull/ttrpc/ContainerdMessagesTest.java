package dev.hull.ttrpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import dev.hull.containerd.api.events.TaskExit;
import dev.hull.containerd.api.services.events.ttrpc.v1.Envelope;
import dev.hull.containerd.api.services.events.ttrpc.v1.ForwardRequest;
import dev.hull.containerd.api.task.v2.CreateTaskRequest;
import dev.hull.containerd.api.task.v2.CreateTaskResponse;
import dev.hull.containerd.api.task.v2.KillRequest;
import dev.hull.containerd.api.types.Mount;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The messages generated from containerd 1.6's .proto files, on their own and through ttrpc. */
class ContainerdMessagesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static CreateTaskRequest create() {
        return CreateTaskRequest.newBuilder().setId("c1").setBundle("/run/containerd/io.containerd.runtime.v2.task/c1")
                .addRootfs(Mount.newBuilder().setType("overlay").setSource("overlay")
                        .addOptions("lowerdir=/l").addOptions("upperdir=/u").addOptions("workdir=/w"))
                .setStdout("/run/fifo/c1-stdout").build();
    }

    @Test
    void aCreateTaskRequestDecodesToWhatWasEncoded() throws Exception {
        CreateTaskRequest decoded = CreateTaskRequest.parseFrom(create().toByteArray());
        assertThat(decoded).isEqualTo(create());
        assertThat(decoded.getRootfs(0).getOptionsList()).containsExactly("lowerdir=/l", "upperdir=/u", "workdir=/w");
    }

    @Test
    void fieldNumbersAreContainerds() {
        HexFormat hex = HexFormat.ofDelimiter(" ");
        assertThat(hex.formatHex(CreateTaskResponse.newBuilder().setPid(42).build().toByteArray())).isEqualTo("08 2a");
        assertThat(hex.formatHex(KillRequest.newBuilder().setId("c").setSignal(9).setAll(true).build().toByteArray()))
                .isEqualTo("0a 01 63 18 09 20 01");
    }

    @Test
    void typedMethodsTakeAndGiveContainerdsMessages(@TempDir Path dir) throws Exception {
        CompletableFuture<Envelope> forwarded = new CompletableFuture<>();
        try (TtrpcServer server = new TtrpcServer()) {
            server.register("containerd.task.v2.Task", "Create", Method.of(CreateTaskRequest.parser(),
                    request -> CreateTaskResponse.newBuilder().setPid(request.getRootfsCount() + 100).build()))
                    .register("containerd.services.events.ttrpc.v1.Events", "Forward",
                            Method.of(ForwardRequest.parser(), request -> {
                                forwarded.complete(request.getEnvelope());
                                return Empty.getDefaultInstance();
                            }))
                    .serve(dir.resolve("shim.sock"));
            try (TtrpcClient client = TtrpcClient.connect(dir.resolve("shim.sock"))) {
                assertThat(client.call("containerd.task.v2.Task", "Create", create(), CreateTaskResponse.parser(),
                        TIMEOUT).getPid()).isEqualTo(101);
                TaskExit exit = TaskExit.newBuilder().setContainerId("c1").setId("c1").setPid(7).setExitStatus(3)
                        .build();
                // containerd 1.6's typeurl names a type by its bare full name, without Any.pack's prefix.
                Any event = Any.newBuilder().setTypeUrl("containerd.events.TaskExit").setValue(exit.toByteString())
                        .build();
                Envelope envelope = Envelope.newBuilder().setTimestamp(Timestamp.newBuilder().setSeconds(1))
                        .setNamespace("k8s.io").setTopic("/tasks/exit").setEvent(event).build();
                client.call("containerd.services.events.ttrpc.v1.Events", "Forward",
                        ForwardRequest.newBuilder().setEnvelope(envelope).build(), Empty.parser(), TIMEOUT);
                assertThat(forwarded.get().getEvent().getTypeUrl()).isEqualTo("containerd.events.TaskExit");
                assertThat(TaskExit.parseFrom(forwarded.get().getEvent().getValue())).isEqualTo(exit);
            }
        }
    }
}
