package dev.hull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The container is what config.json describes, on the host's side of the VM: the VM sized from
 * linux.resources, the host end of the root share read-only for a read-only root, the root share mounted
 * once, the reported pid in the container's ipc and uts namespaces, qemu under its own seccomp filter.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliConfinementIT extends HullTest {

    private String pidOf(String id) throws Exception {
        return Bundles.JSON.readTree(hull.run("state", id).assertOk().stdout()).get("pid").asText();
    }

    @Test
    void resourcesSizeTheVm() throws Exception {
        ObjectNode config = Bundles.config("sh", "-c", "grep MemTotal /proc/meminfo; nproc");
        ObjectNode resources = config.putObject("linux").putObject("resources");
        resources.putObject("memory").put("limit", 1L << 30);
        resources.putObject("cpu").put("quota", 200_000).put("period", 100_000);
        var r = hull.run("run", "-b", Bundles.write(dir.resolve("sized"), config).toString(), "sized");
        assertThat(r.code()).as(r.stderr()).isZero();
        String[] lines = r.stdout().strip().split("\n");
        long memTotalKib = Long.parseLong(lines[0].replaceAll("\\D", ""));
        // 1 GiB for the container and the guest kernel's own (the default VM has 256 MiB).
        assertThat(memTotalKib).isBetween(1L << 20, (1L << 20) + (100L << 10));
        assertThat(Integer.parseInt(lines[1])).isEqualTo(Math.min(2, Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void theReportedPidHasTheContainersIpcAndUtsNamespacesAndQemuIsSandboxed() throws Exception {
        ObjectNode config = Bundles.config("sleep", "1000");
        var ns = config.putObject("linux").putArray("namespaces");
        ns.addObject().put("type", "ipc");
        ns.addObject().put("type", "uts");
        hull.run("run", "-d", "-b", Bundles.write(dir.resolve("ns"), config).toString(), "ns").assertOk();
        String pid = pidOf("ns");
        for (String type : new String[] {"ipc", "uts"}) {
            assertThat(Files.readSymbolicLink(Path.of("/proc", pid, "ns", type)))
                    .as(type).isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns", type)));
        }
        long qemu = ProcessHandle.of(Long.parseLong(pid)).orElseThrow().children()
                .filter(p -> p.info().command().orElse("").contains("qemu-system")).findFirst().orElseThrow().pid();
        assertThat(Files.readAllLines(Path.of("/proc", Long.toString(qemu), "status")))
                .as("qemu runs with -sandbox on").contains("Seccomp:\t2");
        hull.run("delete", "-f", "ns").assertOk();
    }

    @Test
    void theVmsProcessesLiveInCgroupsPathUntilDelete() throws Exception {
        String parent = "hull-it-" + ProcessHandle.current().pid();
        String path = "/" + parent + "/cg";
        ObjectNode config = Bundles.config("sleep", "1000");
        ObjectNode linux = config.putObject("linux").put("cgroupsPath", path);
        ObjectNode resources = linux.putObject("resources");
        resources.putObject("cpu").put("quota", 150_000).put("period", 100_000);
        resources.putObject("pids").put("limit", 100);
        try {
            hull.run("run", "-d", "-b", Bundles.write(dir.resolve("cg"), config).toString(), "cg").assertOk();
            long shim = Long.parseLong(pidOf("cg"));
            var vm = ProcessHandle.of(shim).orElseThrow().children().toList();
            assertThat(vm).extracting(p -> p.info().command().orElse(""))
                    .anyMatch(c -> c.contains("qemu-system")).anyMatch(c -> c.contains("virtiofsd"));
            for (long pid : java.util.stream.Stream.concat(java.util.stream.Stream.of(shim),
                    vm.stream().map(ProcessHandle::pid)).toList()) {
                assertThat(Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup")))
                        .as("cgroups of " + pid).allMatch(l -> l.endsWith(":" + path));
            }
            // The container's CPU quota as it is; its pids limit with room for the VM's own threads.
            Path cpu = Path.of("/sys/fs/cgroup/cpu").resolve(parent).resolve("cg");
            if (Files.exists(cpu.resolve("cpu.cfs_quota_us"))) {
                assertThat(Files.readString(cpu.resolve("cpu.cfs_quota_us")).strip()).isEqualTo("150000");
            }
            hull.run("delete", "-f", "cg").assertOk();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                if (line.contains(" - cgroup")) {
                    Path mount = Path.of(line.split(" ")[4]);
                    assertThat(mount.resolve(parent).resolve("cg")).as("after delete").doesNotExist();
                }
            }
        } finally {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                if (line.contains(" - cgroup")) {
                    Files.deleteIfExists(Path.of(line.split(" ")[4]).resolve(parent));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"virtiofs", "9p"})
    void aReadOnlyRootStaysReadOnlyAtTheHostEnd(String share) throws Exception {
        String marker = "written-from-" + share + "-" + System.nanoTime();
        ObjectNode config = Bundles.config("sh", "-c", "mount -o remount,rw / && echo remounted;"
                + " echo x > /" + marker + " && echo WROTE; true");
        ((ObjectNode) config.get("root")).put("readonly", true);
        config.putObject("vm").put("share", share);
        var r = hull.run("run", "-b", Bundles.write(dir.resolve("ro-" + share), config).toString(), "ro-" + share);
        assertThat(r.code()).as(r.stderr()).isZero();
        // The guest lets root remount its own mount; the host end refuses the write all the same.
        assertThat(r.stdout()).doesNotContain("WROTE");
        assertThat(r.stderr()).contains("Read-only file system");
        Path rootfs = Path.of(config.get("root").get("path").asText());
        assertThat(rootfs.resolve(marker)).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"virtiofs", "9p"})
    void theRootShareCannotBeMountedASecondTime(String share) throws Exception {
        String mount = share.equals("9p") ? "mount -t 9p -o trans=virtio rootfs /dev/again"
                : "mount -t virtiofs rootfs /dev/again";
        ObjectNode config = Bundles.config("sh", "-c", "mkdir /dev/again; " + mount + " && echo MOUNTED; true");
        config.putObject("vm").put("share", share);
        var r = hull.run("run", "-b", Bundles.write(dir.resolve("again-" + share), config).toString(), "again-" + share);
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).doesNotContain("MOUNTED");
        assertThat(r.stderr()).contains("Device or resource busy");
    }
}
