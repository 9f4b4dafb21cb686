package dev.hull.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The container's pid, as a manager holds it, is the container's: its root is the container's rootfs with
 * its volumes, it is PID 1 of a pid namespace with no host process, and its life and the VM's are one.
 * (As root, like every manager that calls Hull.)
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliAnchorIT extends HullTest {

    private long pid(String id) throws Exception {
        return Bundles.JSON.readTree(hull.run("state", id).assertOk().stdout()).get("pid").asLong();
    }

    private static String link(Path p) throws Exception {
        return Files.readSymbolicLink(p).toString();
    }

    @Test
    void throughProcPidAreTheContainersFilesAndNoHostProcess() throws Exception {
        Path vol = Files.createDirectories(dir.resolve("vol"));
        Files.writeString(vol.resolve("in-volume"), "volume\n");
        var config = Bundles.config("sleep", "1000");
        ((ObjectNode) config.get("root")).put("readonly", true);
        config.putArray("mounts").addObject().put("destination", "/data").put("type", "bind")
                .put("source", vol.toString()).putArray("options").add("rbind").add("rw");
        Path bundle = Bundles.write(dir.resolve("b"), config);
        Files.writeString(bundle.resolve("rootfs/only-in-the-image"), "image\n");
        hull.run("create", "-b", bundle.toString(), "a").assertOk();
        long pid = pid("a");
        Path root = Path.of("/proc", Long.toString(pid), "root");

        assertThat(root.resolve("only-in-the-image")).hasContent("image");
        assertThat(root.resolve("data/in-volume")).hasContent("volume");
        assertThat(root.resolve("etc/hostname-of-the-host-" + pid)).doesNotExist();
        assertThat(Files.exists(root.resolve("proc/1/exe"))).isTrue();
        // The volume is writable, the read-only root is not (as in the guest).
        Files.writeString(root.resolve("data/from-pid"), "x");
        assertThat(vol.resolve("from-pid")).exists();
        assertThat(Files.isWritable(root.resolve("only-in-the-image"))).isFalse();
        assertThat(link(Path.of("/proc", Long.toString(pid), "ns", "pid")))
                .isNotEqualTo(link(Path.of("/proc/self/ns/pid")));
        assertThat(link(Path.of("/proc", Long.toString(pid), "ns", "mnt")))
                .isNotEqualTo(link(Path.of("/proc/self/ns/mnt")));

        // What nsenter -t PID shows: the container's busybox and one process (PID 1) besides ps itself.
        Process ps = new ProcessBuilder("nsenter", "-t", Long.toString(pid), "-m", "-p", "ps")
                .redirectErrorStream(true).start();
        String out = new String(ps.getInputStream().readAllBytes());
        assertThat(ps.waitFor()).as(out).isZero();
        assertThat(out.lines().skip(1).map(l -> l.strip().split("\\s+")[0]).toList()).containsExactly("1", "2");

        // Nothing of this reached the host's or the image's own mount table.
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(bundle + "/rootfs/data");
        hull.run("delete", "-f", "a").assertOk();
    }

    /** As with runc, whose container process is the workload: a signal sent to the pid reaches it. */
    @Test
    void aSignalSentToThePidReachesTheWorkload() throws Exception {
        Path bundle = Bundles.of(dir.resolve("b"), "sh", "-c",
                "trap 'echo got-term > /term; exit 7' TERM; touch /ready; while :; do sleep 0.1; done");
        hull.run("run", "-d", "-b", bundle.toString(), "t").assertOk();
        waitFor(Duration.ofSeconds(30), () -> Files.exists(bundle.resolve("rootfs/ready")));
        ProcessHandle.of(pid("t")).orElseThrow().destroy();
        awaitStatus("t", "stopped");
        assertThat(bundle.resolve("rootfs/term")).hasContent("got-term");
        hull.run("delete", "t").assertOk();
    }

    @Test
    void thePidKilledEndsTheContainerAndItsVm() throws Exception {
        hull.run("run", "-d", "-b", Bundles.of(dir.resolve("b"), "sleep", "1000").toString(), "k").assertOk();
        ProcessHandle anchor = ProcessHandle.of(pid("k")).orElseThrow();
        List<ProcessHandle> vm = ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
                .map(c -> c.contains("qemu-system") && c.contains(dir.toString())).orElse(false)).toList();
        assertThat(vm).hasSize(1);
        anchor.destroyForcibly();
        // Without a delete: the VM owner sees its anchor gone and ends the container and its VM.
        vm.getFirst().onExit().get(60, TimeUnit.SECONDS);
        awaitStatus("k", "stopped");
        waitFor(Duration.ofSeconds(30), () -> ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine()
                .map(c -> c.contains(" shim ") && c.contains(dir.toString())).orElse(false)));
        hull.run("delete", "k").assertOk();
        assertThat(status("k")).isEqualTo("absent");
    }
}
