package dev.hull.e2e;

import dev.hull.e2e.Commands.Out;
import dev.hull.testing.HullCli;
import dev.hull.testing.Leftovers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/** Debian's dockerd with Hull added as a runtime (--add-runtime hull=...), its own data root and socket. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DockerE2EIT {
    private static final String IMAGE = "hull-busybox:e2e";

    @TempDir
    static Path dir;

    private static Daemon dockerd;

    private static List<String> docker(String... args) {
        // /usr/local/bin/docker on these machines is an unrelated client: Debian's is /usr/bin/docker.
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/docker", "-H", "unix://" + dir.resolve("docker.sock")));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Out run(String... args) throws IOException, InterruptedException {
        return Commands.run(dir, docker(args));
    }

    @BeforeAll
    static void startDockerd() throws Exception {
        dockerd = Daemon.start(List.of("dockerd", "--data-root", dir.resolve("data").toString(), "--exec-root",
                dir.resolve("exec").toString(), "-H", "unix://" + dir.resolve("docker.sock"), "--pidfile",
                dir.resolve("docker.pid").toString(), "--add-runtime", "hull=" + HullCli.launcher()),
                dir.resolve("docker.sock"), dir.resolve("dockerd.log"), Duration.ofSeconds(90));
        Commands.importBusybox(DockerE2EIT::run, dir, IMAGE);
    }

    @AfterAll
    static void stopDockerd() throws Exception {
        if (dockerd != null) {
            dockerd.close();
        }
        // dockerd leaves its handle of the host's network namespace (--network host) mounted.
        new ProcessBuilder("sh", "-c", "umount " + dir + "/exec/netns/default 2>/dev/null; umount -R " + dir
                + "/data 2>/dev/null; umount -R " + dir
                + "/exec 2>/dev/null; true").inheritIO().start().waitFor();
    }

    @RegisterExtension
    final NoMountsLeft noMountsLeft = new NoMountsLeft();

    @AfterEach
    void nothingLeftBehind() throws Exception {
        Out all = run("ps", "-aq");
        for (String id : all.stdout().lines().toList()) {
            run("rm", "-f", id);
        }
        assertThat(Leftovers.killHull(dir)).as("qemu or shims left behind").isEmpty();
        // dockerd 20.10 gives every runtime added with --add-runtime runc's root folder.
        Path hullRoot = dir.resolve("exec/runtime-runc/moby");
        if (Files.isDirectory(hullRoot)) {
            try (var entries = Files.list(hullRoot)) {
                assertThat(entries.filter(Files::isDirectory).toList()).as("hull state left behind").isEmpty();
            }
        }
    }

    private static Out hull(String... args) throws IOException, InterruptedException {
        List<String> a = new ArrayList<>(List.of("run", "--runtime", "hull", "--network", "none"));
        a.addAll(List.of(args));
        return run(a.toArray(String[]::new));
    }

    @Test
    void runEchoAndExitCodeInTheGuestKernel() throws Exception {
        Out hi = hull("--rm", IMAGE, "sh", "-c", "echo hi; uname -r");
        assertThat(hi.code()).as(hi.stderr()).isZero();
        assertThat(hi.stdout()).startsWith("hi\n").contains("-hull");
        assertThat(hull("--rm", IMAGE, "sh", "-c", "exit 3").code()).isEqualTo(3);
    }

    /**
     * --network host and --pid host: runc gives the container the host's network or processes, a VM cannot,
     * so create fails naming the field; nothing is left (nothingLeftBehind). For --network host dockerd 20.10
     * names its own handle of the host's namespace (exec-root/netns/default), which Hull refuses as the host's
     * (NetnsOwnership); --pid host leaves the pid namespace out (it used to run with its VM's processes).
     */
    @Test
    void hostNetworkIsRefusedWithTheReason() throws Exception {
        Out net = run("run", "--rm", "--runtime", "hull", "--network", "host", IMAGE, "ip", "addr");
        assertThat(net.code()).as(net.stdout()).isNotZero();
        assertThat(net.stderr()).contains("linux.namespaces").contains("host's network");
        Out pid = hull("--rm", "--pid", "host", IMAGE, "ps");
        assertThat(pid.code()).as(pid.stdout()).isNotZero();
        assertThat(pid.stderr()).contains("linux.namespaces has no pid namespace")
                .contains("the container would share the host's processes");
    }

    @Test
    void detachedLogsExecPauseStopRm() throws Exception {
        Out started = hull("-d", "--name", "d1", IMAGE, "sh", "-c", "echo started; sleep 1000");
        assertThat(started.code()).as(started.stderr()).isZero();
        Commands.assertDetachedLifecycle(DockerE2EIT::run, "d1");
    }

    /** The pids `docker top` lists (its PID column), which dockerd looks up in the host's ps. */
    private static List<Long> topPids(String name) throws IOException, InterruptedException {
        Out top = run("top", name, "-o", "pid");
        assertThat(top.code()).as(top.stderr()).isZero();
        return top.stdout().lines().skip(1).map(String::strip).filter(l -> !l.isEmpty()).map(Long::parseLong)
                .toList();
    }

    @Test
    void topListsTheContainersHostProcessesNotTheHostsKernelThreads() throws Exception {
        Out started = hull("-d", "--name", "top1", IMAGE, "sh", "-c", "sleep 1000 & sleep 1001 & wait");
        assertThat(started.code()).as(started.stderr()).isZero();
        long anchor = Long.parseLong(run("inspect", "-f", "{{.State.Pid}}", "top1").stdout().strip());
        // runc lists the host pids of the container's cgroup; the guest's pids (1, 2, ...) would be the
        // host's init and kernel threads.
        assertThat(topPids("top1")).containsExactly(anchor);
        assertThat(run("exec", "-d", "top1", "sleep", "1002").code()).isZero();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (topPids("top1").size() < 2 && System.nanoTime() < end) {
            Thread.sleep(200);
        }
        List<Long> pids = topPids("top1");
        assertThat(pids).hasSize(2).contains(anchor);
        long relay = pids.get(0) == anchor ? pids.get(1) : pids.get(0);
        // The exec's pid is its relay, a process of this container's (it names the container's run folder).
        assertThat(Files.readString(Path.of("/proc", Long.toString(relay), "cmdline"))).contains("--relay");
    }

    @Test
    void stopEscalatesToSigkillAfterTheGracePeriod() throws Exception {
        assertThat(hull("-d", "--name", "stubborn", IMAGE, "sh", "-c", "trap '' TERM; while true; do sleep 1; done")
                .code()).isZero();
        long t0 = System.nanoTime();
        assertThat(run("stop", "-t", "2", "stubborn").code()).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(run("inspect", "-f", "{{.State.ExitCode}}", "stubborn").stdout().strip()).isEqualTo("137");
    }

    @Test
    void envWorkdirUserAndMountsInsideTheVm() throws Exception {
        Path data = Files.createDirectories(dir.resolve("vol"));
        // The container writes as user 1000.
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(data.resolve("in.txt"), "from the host\n");
        Out r = hull("--rm", "-e", "FOO=bar", "-w", "/tmp", "--user", "1000", "-v", data + ":/data", IMAGE, "sh", "-c",
                "echo $FOO $(pwd) $(id -u); cat /data/in.txt; echo mine > /data/out.txt;"
                        + " echo unprivileged ports from $(cat /proc/sys/net/ipv4/ip_unprivileged_port_start);"
                        + " grep -E ' /(proc|sys|dev|dev/pts|dev/shm|dev/mqueue|sys/fs/cgroup) ' /proc/mounts"
                        + " | cut -d' ' -f2,3");
        assertThat(r.code()).as(r.stderr()).isZero();
        // docker's linux.sysctl for every container: a non-root user may bind port 80.
        assertThat(r.stdout()).startsWith("bar /tmp 1000\nfrom the host\nunprivileged ports from 0\n")
                .contains("/proc proc").contains("/sys sysfs").contains("/dev tmpfs").contains("/dev/pts devpts")
                .contains("/dev/shm tmpfs").contains("/dev/mqueue mqueue").contains("/sys/fs/cgroup cgroup2");
        assertThat(Files.readString(data.resolve("out.txt"))).isEqualTo("mine\n");
    }

    /**
     * docker update -m sends a CPU period of 0, which runc reads as unset; the VM is sized at run and keeps
     * its size, so an update past it is refused. --cpuset-cpus names host CPUs, more than the VM's one.
     */
    @Test
    void updateMemoryInsideTheVmAndACpusetOfHostCpus() throws Exception {
        boolean twoCpus = Runtime.getRuntime().availableProcessors() >= 2;
        Out started = hull("-d", "--name", "up", "-m", "512m", "--cpus", "0.5", "--cpuset-cpus", twoCpus ? "0-1" : "0",
                IMAGE, "sleep", "1000");
        assertThat(started.code()).as(started.stderr()).isZero();
        Out updated = run("update", "-m", "400m", "up");
        assertThat(updated.code()).as(updated.stderr()).isZero();
        Out limits = run("exec", "up", "cat", "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/cpu.max",
                "/sys/fs/cgroup/cpuset.cpus");
        assertThat(limits.stdout()).isEqualTo((400L << 20) + "\n50000 100000\n0\n");
        if (twoCpus) {
            Out grown = run("update", "--cpus", "2", "up");
            assertThat(grown.code()).isNotZero();
            assertThat(grown.stderr()).contains("needs 2 CPUs; this container's VM has 1 vCPU");
        }
    }

    @Test
    void confinedAsDockerSaysAndItsWritesReachTheImageLayer() throws Exception {
        Commands.assertConfinedAsTheManagerSays(DockerE2EIT::run, IMAGE, "--runtime", "hull", "--network", "none");
    }

    @Test
    void capDropAllLeavesTheContainerAndItsExecsNone() throws Exception {
        Commands.assertCapDropAllLeavesNone(DockerE2EIT::run, IMAGE, "--runtime", "hull", "--network", "none");
    }

    @Test
    void interactiveRunHasAWorkingPrompt() throws Exception {
        Commands.assertInteractiveShell(dir, "hull-docker",
                docker("run", "--rm", "-it", "--runtime", "hull", "--network", "none", IMAGE, "sh"));
    }

    @Test
    void defaultBridgeNetworkPublishedPortAndTheHostsBridge() throws Exception {
        Commands.assertBridgeNetworking(DockerE2EIT::run, IMAGE, "--runtime", "hull");
    }

    /**
     * A user-defined network's names resolve through dockerd's embedded DNS at 127.0.0.11, which Hull's
     * agent relays from the guest to the shim inside the container's namespace.
     */
    @Test
    void userDefinedNetworkResolvesOtherContainersByName() throws Exception {
        assertThat(run("network", "create", "hullnet").code()).isZero();
        try {
            assertThat(run("run", "-d", "--name", "peer", "--network", "hullnet", IMAGE, "sleep", "1000").code())
                    .isZero();
            String peer = run("inspect", "-f", "{{(index .NetworkSettings.Networks \"hullnet\").IPAddress}}", "peer")
                    .stdout().strip();
            Out r = run("run", "--rm", "--runtime", "hull", "--network", "hullnet", IMAGE, "sh", "-c",
                    "grep nameserver /etc/resolv.conf; nslookup peer; ping -c1 -W5 peer");
            assertThat(r.code()).as(r.stderr()).isZero();
            assertThat(r.stdout()).contains("nameserver 127.0.0.11").contains("Address: " + peer)
                    .contains("1 packets received");
        } finally {
            run("rm", "-f", "peer");
            run("network", "rm", "hullnet");
        }
    }

    /**
     * docker's container network: B joins A's network namespace, so it runs inside A's VM and reaches A's
     * server on localhost; removing B leaves A running.
     */
    @Test
    void aContainerOnAnothersNetworkRunsInItsVm() throws Exception {
        Out a = run("run", "-d", "--runtime", "hull", "--name", "web", IMAGE, "sh", "-c",
                "mkdir -p /www && echo served-by-a > /www/index.html && exec httpd -f -p 8080 -h /www");
        assertThat(a.code()).as(a.stderr()).isZero();
        Out b = run("run", "-d", "--runtime", "hull", "--name", "side", "--network", "container:web", IMAGE, "sleep",
                "1000");
        assertThat(b.code()).as(b.stderr()).isZero();
        Path root = dir.resolve("exec/runtime-runc/moby");
        var vms = Commands.hullVms(root);
        assertThat(vms).hasSize(1);
        String bootId = run("exec", "web", "cat", "/proc/sys/kernel/random/boot_id").stdout();
        assertThat(bootId).isNotBlank();
        assertThat(run("exec", "side", "cat", "/proc/sys/kernel/random/boot_id").stdout()).isEqualTo(bootId);
        Out fetched = run("exec", "side", "wget", "-qO-", "http://127.0.0.1:8080/");
        assertThat(fetched.stdout()).as(fetched.stderr()).isEqualTo("served-by-a\n");
        List<String> ids = run("ps", "-a", "-q", "--no-trunc").stdout().lines().toList();
        Out removed = run("rm", "-f", "side");
        assertThat(removed.code()).as(removed.stderr()).isZero();
        assertThat(run("exec", "web", "echo", "still-up").stdout()).isEqualTo("still-up\n");
        assertThat(Commands.hullVms(root)).isEqualTo(vms);
        assertThat(run("rm", "-f", "web").code()).isZero();
        assertThat(vms.stream().filter(pid -> ProcessHandle.of(pid).isPresent()).toList()).isEmpty();
        Commands.assertNoPodMounts(ids);
    }
}
