import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.hull.containerd.ShimMain;
import dev.hull.containerd.api.task.v2.CreateTaskRequest;
import dev.hull.containerd.api.task.v2.CreateTaskResponse;
import dev.hull.containerd.api.task.v2.DeleteRequest;
import dev.hull.containerd.api.task.v2.DeleteResponse;
import dev.hull.containerd.api.task.v2.ExecProcessRequest;
import dev.hull.containerd.api.task.v2.KillRequest;
import dev.hull.containerd.api.task.v2.ShutdownRequest;
import dev.hull.containerd.api.task.v2.StartRequest;
import dev.hull.containerd.api.task.v2.StartResponse;
import dev.hull.containerd.api.task.v2.StateRequest;
import dev.hull.containerd.api.task.v2.StateResponse;
import dev.hull.containerd.api.task.v2.StatsRequest;
import dev.hull.containerd.api.task.v2.StatsResponse;
import dev.hull.containerd.api.task.v2.WaitRequest;
import dev.hull.containerd.api.task.v2.WaitResponse;
import dev.hull.core.HullJvm;
import dev.hull.ttrpc.TtrpcClient;
import java.io.File;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * scripts/aot-train.sh's stand-in for containerd: one v2 shim JVM (with HULL_JVM_OPTIONS, which asks it for
 * an AOT cache) taken through a container's life over ttrpc: Create, State, Start, an exec, Stats, Wait,
 * Delete, Shutdown. Arguments: the bundle folder (config.json, rootfs) and the shim's socket path.
 */
public class V2Training {
    private static final String TASK = "containerd.task.v2.Task";
    private static final Duration CALL = Duration.ofSeconds(120);

    public static void main(String[] args) throws Exception {
        Path bundle = Path.of(args[0]);
        Path socket = Path.of(args[1]);
        List<String> cmd = new ArrayList<>(HullJvm.shimJava(ShimMain.class));
        cmd.addAll(List.of("-namespace", "aot", "-address", "/nonexistent", "-id", "train", "-socket",
                socket.toString()));
        Process shim = new ProcessBuilder(cmd).directory(bundle.toFile()).redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        for (int i = 0; i < 3000 && !listening(socket); i++) {
            Thread.sleep(10);
        }
        Path out = bundle.resolve("out.log");
        try {
            train(socket, bundle, out);
        } catch (Exception e) {
            // A training that failed must not leave its shim (and a VM) running.
            shim.destroyForcibly();
            throw e;
        }
        // The cache is written in the shim's own exit.
        if (!shim.waitFor(300, TimeUnit.SECONDS)) {
            shim.destroyForcibly();
            throw new IllegalStateException("the v2 shim did not end");
        }
    }

    private static void train(Path socket, Path bundle, Path out) throws Exception {
        try (TtrpcClient c = TtrpcClient.connect(socket)) {
            int pid = c.call(TASK, "Create", CreateTaskRequest.newBuilder().setId("train").setBundle(bundle.toString())
                    .setStdout("file://" + out).setStderr("file://" + out).build(), CreateTaskResponse.parser(), CALL)
                    .getPid();
            c.call(TASK, "State", StateRequest.newBuilder().setId("train").build(), StateResponse.parser(), CALL);
            c.call(TASK, "Start", StartRequest.newBuilder().setId("train").build(), StartResponse.parser(), CALL);
            String process = "{\"args\":[\"true\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"]}";
            c.call(TASK, "Exec", ExecProcessRequest.newBuilder().setId("train").setExecId("e1")
                    .setStdout("file://" + out).setSpec(Any.newBuilder()
                            .setTypeUrl("types.containerd.io/opencontainers/runtime-spec/1/Process")
                            .setValue(ByteString.copyFromUtf8(process))).build(), Empty.parser(), CALL);
            c.call(TASK, "Start", StartRequest.newBuilder().setId("train").setExecId("e1").build(),
                    StartResponse.parser(), CALL);
            c.call(TASK, "Wait", WaitRequest.newBuilder().setId("train").setExecId("e1").build(),
                    WaitResponse.parser(), CALL);
            c.call(TASK, "Delete", DeleteRequest.newBuilder().setId("train").setExecId("e1").build(),
                    DeleteResponse.parser(), CALL);
            c.call(TASK, "Stats", StatsRequest.newBuilder().setId("train").build(), StatsResponse.parser(), CALL);
            c.call(TASK, "Kill", KillRequest.newBuilder().setId("train").setSignal(9).build(), Empty.parser(), CALL);
            c.call(TASK, "Wait", WaitRequest.newBuilder().setId("train").build(), WaitResponse.parser(), CALL);
            c.call(TASK, "Delete", DeleteRequest.newBuilder().setId("train").build(), DeleteResponse.parser(), CALL);
            c.call(TASK, "Shutdown", ShutdownRequest.newBuilder().setId("train").build(), Empty.parser(), CALL);
            System.out.println("v2 training: container pid " + pid + ", output " + Files.readString(out).strip());
        }
    }

    private static boolean listening(Path socket) {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
