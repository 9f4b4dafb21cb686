package dev.hull.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hull.agent.AgentClient;
import dev.hull.agent.AgentException;
import dev.hull.agent.ErrorCode;
import dev.hull.agent.ProcessStreams;
import dev.hull.agent.Request;
import dev.hull.agent.Results.ExitStatus;
import dev.hull.agent.Results.HelloResult;
import dev.hull.oci.Process;
import dev.hull.testing.TestAssets;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A real VM: qemu (microvm, TCG) boots the Hull kernel and initrd, and the agent runs workloads in it. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GuestVmIT {
    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    static VmConfig tcg() {
        return new VmConfig(TestAssets.qemu(), TestAssets.kernel(), VmConfig.DEFAULT_KERNEL_PARAMS,
                TestAssets.initrd(), 256, 1, "tcg");
    }

    private static ExitStatus run(AgentClient client, String id, Process process, ByteArrayOutputStream out)
            throws Exception {
        ProcessStreams io = client.streams(out, OutputStream.nullOutputStream(), false);
        client.create(new Request.Create(id, id, false, process, null, io.wire()), T);
        var exit = client.waitFor(id, null);
        client.start(id, T);
        ExitStatus status = exit.get(T.toSeconds(), TimeUnit.SECONDS);
        io.awaitOutput(T);
        client.delete(id, T);
        return status;
    }

    /** Each built-in template: the root over virtio-fs (the only share it gives the guest) or over 9p. */
    @ParameterizedTest(name = "root over virtio-fs: {0}")
    @ValueSource(booleans = {true, false})
    void bootsRunsWorkloadsAndPowersOff(boolean virtioFs) throws Exception {
        try (QemuVm vm = QemuVm.launch(tcg(), HypervisorArgs.builtIn(virtioFs),
                QemuVm.Launch.of("it-vm", dir, TestAssets.busyboxRootfs()))) {
            AgentClient client = vm.connectAgent(T);
            HelloResult hello = client.hello(T);
            assertThat(hello.mode()).isEqualTo("guest");
            assertThat(hello.kernel()).endsWith("-hull");

            var out = new ByteArrayOutputStream();
            assertThat(run(client, "c1", Process.of("echo", "hi"), out)).isEqualTo(new ExitStatus(0, 0));
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hi\n");

            var uname = new ByteArrayOutputStream();
            run(client, "c2", Process.of("uname", "-r"), uname);
            assertThat(uname.toString(StandardCharsets.UTF_8).strip()).isEqualTo(hello.kernel());

            assertThat(run(client, "c3", Process.of("sh", "-c", "exit 42"), new ByteArrayOutputStream()).code())
                    .isEqualTo(42);

            client.shutdown(T);
            client.close();
            assertThat(vm.awaitExit(T)).as("qemu exits by itself after shutdown").isTrue();
        }
    }

    /**
     * A template (hull.template=1) without its save and restore: it outlives the host that leaves after hello,
     * serves the next one, whose clone reseeds the guest's CRNG and mounts the share; a clone whose host is
     * gone powers off, as any VM.
     */
    @Test
    void aTemplateServesEachHostUntilOneClonesIt() throws Exception {
        var how = new QemuVm.Launch("it-template", dir, TestAssets.busyboxRootfs(), false, false,
                List.of("hull.template=1"), List.of(), List.of(), List.of());
        byte[] entropy = new byte[64];
        new SecureRandom().nextBytes(entropy);
        try (QemuVm vm = QemuVm.launch(tcg(), HypervisorArgs.builtIn(false), how)) {
            vm.connectAgent(T).close();
            AgentClient client = vm.connectAgent(T);
            assertThatThrownBy(() -> run(client, "early", Process.of("true"), new ByteArrayOutputStream()))
                    .as("no share before clone").isInstanceOf(AgentException.class)
                    .hasMessageContaining("not found");
            client.clone(entropy, List.of(), T);
            assertThatThrownBy(() -> client.clone(entropy, List.of(), T)).isInstanceOfSatisfying(AgentException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.EINVAL))
                    .hasMessage("clone: this VM is already cloned");
            var out = new ByteArrayOutputStream();
            assertThat(run(client, "c1", Process.of("echo", "hi"), out)).isEqualTo(new ExitStatus(0, 0));
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hi\n");
            client.close();
            assertThat(vm.awaitExit(T)).as("a clone whose host is gone powers off").isTrue();
        }
    }
}
