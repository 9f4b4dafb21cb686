package dev.hull.e2e;

import dev.hull.e2e.Commands.Out;
import dev.hull.state.StateStore;
import dev.hull.testing.HullCli;
import dev.hull.testing.Leftovers;
import dev.hull.testing.TestAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

/**
 * Debian's podman (with conmon) driving Hull as its runtime, the way its users run containers: an image
 * imported offline, podman's own storage in a test folder, Hull's state in another.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PodmanE2EIT {
    private static final String IMAGE = "localhost/hull-busybox:e2e";

    @TempDir
    static Path dir;

    private static List<String> podman(String... args) {
        // Hull's default state root: podman 4.3 does not pass --runtime-flag to every call (not to delete).
        List<String> cmd = new ArrayList<>(List.of("podman", "--root", dir.resolve("storage").toString(),
                "--runroot", dir.resolve("run").toString(), "--runtime", HullCli.launcher().toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Out run(String... args) throws IOException, InterruptedException {
        return Commands.run(dir, podman(args));
    }

    @BeforeAll
    static void importImage() throws Exception {
        Commands.importBusybox(PodmanE2EIT::run, dir, IMAGE);
    }

    @RegisterExtension
    final NoMountsLeft noMountsLeft = new NoMountsLeft();

    @AfterEach
    void nothingLeftBehind() throws Exception {
        run("pod", "rm", "--all", "--force");
        run("rm", "--all", "--force");
        assertThat(Leftovers.killHull(dir)).as("processes left behind").isEmpty();
        Path hullRoot = StateStore.DEFAULT_ROOT;
        if (Files.isDirectory(hullRoot)) {
            try (var entries = Files.list(hullRoot)) {
                assertThat(entries.filter(Files::isDirectory).toList()).as("hull state left behind").isEmpty();
            }
        }
    }

    @AfterAll
    static void removeStorage() throws Exception {
        run("rmi", "--all", "--force");
        new ProcessBuilder("sh", "-c", "umount -R " + dir.resolve("storage") + "/overlay 2>/dev/null; true")
                .inheritIO().start().waitFor();
    }

    @Test
    void runEchoAndExitCodeInTheGuestKernel() throws Exception {
        Out hi = run("run", "--rm", "--network", "none", IMAGE, "sh", "-c", "echo hi; uname -r");
        assertThat(hi.code()).as(hi.stderr()).isZero();
        assertThat(hi.stdout()).startsWith("hi\n").contains("-hull");
        assertThat(hi.stdout()).doesNotContain(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip());
        assertThat(run("run", "--rm", "--network", "none", IMAGE, "sh", "-c", "exit 3").code()).isEqualTo(3);
    }

    /**
     * --network host and --pid host leave the namespace out of config.json: runc gives the container the
     * host's, a VM cannot, so create fails naming the field (it used to run with loopback alone, or its own
     * processes, silently); nothing is left (nothingLeftBehind).
     */
    @Test
    void hostNetworkAndHostPidAreRefusedWithTheReason() throws Exception {
        Out net = run("run", "--rm", "--network", "host", IMAGE, "ip", "addr");
        assertThat(net.code()).as(net.stdout()).isNotZero();
        assertThat(net.stderr()).contains("linux.namespaces has no network namespace")
                .contains("the container would share the host's network").contains("which a container in a VM cannot");
        Out pid = run("run", "--rm", "--network", "none", "--pid", "host", IMAGE, "ps");
        assertThat(pid.code()).as(pid.stdout()).isNotZero();
        assertThat(pid.stderr()).contains("linux.namespaces has no pid namespace")
                .contains("the container would share the host's processes");
    }

    @Test
    void detachedLogsExecPauseStopRm() throws Exception {
        Out started = run("run", "-d", "--name", "d1", "--network", "none", IMAGE, "sh", "-c",
                "echo started; sleep 1000");
        assertThat(started.code()).as(started.stderr()).isZero();
        Commands.assertDetachedLifecycle(PodmanE2EIT::run, "d1");
    }

    @Test
    void confinedAsPodmanSaysAndItsWritesReachTheContainersRoot() throws Exception {
        Commands.assertConfinedAsTheManagerSays(PodmanE2EIT::run, IMAGE, "--network", "none");
    }

    @Test
    void envWorkdirAndUserAreHonoured() throws Exception {
        Out r = run("run", "--rm", "--network", "none", "-e", "FOO=bar", "-w", "/tmp", "--user", "1000", IMAGE,
                "sh", "-c", "echo $FOO $(pwd) $(id -u)");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("bar /tmp 1000\n");
    }

    @Test
    void volumesAreSharedIntoTheVm() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("in.txt"), "from the host\n");
        Path conf = dir.resolve("app.conf");
        Files.writeString(conf, "setting=1\n");
        Out r = run("run", "--rm", "--network", "none", "-v", data + ":/data", "-v", conf + ":/etc/app.conf:ro",
                IMAGE, "sh", "-c", "cat /data/in.txt /etc/app.conf; echo written > /data/out.txt;"
                        + " (echo x > /etc/app.conf) 2>/dev/null && echo WRITABLE || echo refused");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("from the host\nsetting=1\nrefused\n");
        assertThat(Files.readString(data.resolve("out.txt"))).isEqualTo("written\n");
        assertThat(Files.readString(conf)).isEqualTo("setting=1\n");
    }

    /**
     * --read-only leaves the image read-only with tmpfs /tmp, /var/tmp and /run; --tmpfs mounts carry podman's
     * tmpcopyup: the tmpfs starts with the image's files there (owners and symlinks kept).
     */
    @Test
    void readOnlyAndTmpfsRunWithTheImagesFilesCopiedUp() throws Exception {
        Out ro = run("run", "--rm", "--network", "none", "--read-only", IMAGE, "sh", "-c",
                "(touch /written) 2>/dev/null && echo WRITABLE || echo read-only; echo ok > /tmp/t && cat /tmp/t");
        assertThat(ro.code()).as(ro.stderr()).isZero();
        assertThat(ro.stdout()).isEqualTo("read-only\nok\n");
        Out tmpfs = run("run", "--rm", "--network", "none", "--tmpfs", "/home", "--tmpfs", "/usr/bin", IMAGE, "sh",
                "-c", "stat -c '%n %u %F' /home/user; readlink /usr/bin/wget;"
                        + " grep -E ' /(home|usr/bin) ' /proc/mounts | cut -d' ' -f2,3");
        assertThat(tmpfs.code()).as(tmpfs.stderr()).isZero();
        assertThat(tmpfs.stdout()).isEqualTo("""
                /home/user 1000 directory
                ../../bin/busybox
                /home tmpfs
                /usr/bin tmpfs
                """);
    }

    /**
     * --uidmap: the container's root is host uid 200000 in a user namespace. It may do in its own root what
     * runc's may (make a folder in the image's 0555 /, chown within its range: host ids 200000 up), and
     * nothing to a host file its range does not map (nobody's, to it).
     */
    @Test
    void uidmapRootOwnsItsRootAndNotTheHostsFiles() throws Exception {
        Path vol = Files.createDirectories(dir.resolve("uidmap-vol"));
        Files.writeString(vol.resolve("f"), "host\n");
        Out r = run("run", "--name", "mapped", "--uidmap", "0:200000:65536", "--network", "none", "-v",
                vol + ":/vol", IMAGE, "sh", "-c", "tr -s ' ' < /proc/self/uid_map; stat -c %a /;"
                        + " mkdir /made && chown 7:8 /made && stat -c '%u %g' /made;"
                        + " (echo x >> /vol/f) 2>/dev/null && echo WROTE || echo refused; stat -c %u /vol/f");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo(" 0 200000 65536\n555\n7 8\nrefused\n65534\n");
        Out mounted = run("mount", "mapped");
        assertThat(mounted.code()).as(mounted.stderr()).isZero();
        Path made = Path.of(mounted.stdout().strip(), "made");
        assertThat(Files.getAttribute(made, "unix:uid")).isEqualTo(200007);
        assertThat(Files.getAttribute(made, "unix:gid")).isEqualTo(200008);
        assertThat(Files.readString(vol.resolve("f"))).isEqualTo("host\n");
        run("unmount", "mapped");
    }

    /**
     * podman binds a tmpfs of its own, sized by --shm-size, on /dev/shm: in the VM it is a tmpfs of that size,
     * in which shm_open and a shared mmap work (Python's multiprocessing, PostgreSQL).
     */
    @Test
    void posixSharedMemoryWorksAndDevShmHasPodmansSize() throws Exception {
        Path check = shmCheck();
        Out r = run("run", "--rm", "--network", "none", "--shm-size", "96m", "-v", check + ":/bin/shm-check:ro",
                IMAGE, "sh", "-c", "shm-check; df -k /dev/shm | tail -1 | awk '{print $2}';"
                        + " grep ' /dev/shm ' /proc/mounts | cut -d' ' -f3");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("shm: mapped and shared\n98304\ntmpfs\n");
    }

    /**
     * podman cp and top on a running container go through /proc/PID, PID being the container's pid: they
     * reach the container's root and its volumes, and neither the host's files nor its processes.
     */
    @Test
    void cpAndTopOfARunningContainerReachTheContainerNotTheHost() throws Exception {
        String mark = "hull-e2e-" + ProcessHandle.current().pid();
        Path probe = Path.of("/var/tmp", mark + "-host-only");
        Path planted = Path.of("/var/tmp", mark + "-copied-in");
        Path vol = Files.createDirectories(dir.resolve("cp-vol"));
        Files.writeString(probe, "the host's\n");
        try {
            Out started = run("run", "-d", "--name", "cp", "--network", "none", "-v", vol + ":/vol", IMAGE, "sh",
                    "-c", "echo written-inside > /var/tmp/inside; echo started; exec sleep 300");
            assertThat(started.code()).as(started.stderr()).isZero();
            Commands.awaitLog(PodmanE2EIT::run, "cp", "started");
            Path in = Files.writeString(dir.resolve("in.txt"), "from the host\n");

            Out cpIn = run("cp", in.toString(), "cp:" + planted);
            assertThat(cpIn.code()).as(cpIn.stderr()).isZero();
            assertThat(planted).as("podman cp wrote the host's root").doesNotExist();
            assertThat(Commands.awaitOutput(PodmanE2EIT::run, "from the host\n", "exec", "cp", "cat",
                    planted.toString())).isEqualTo("from the host\n");
            assertThat(run("cp", in.toString(), "cp:/vol/in-vol.txt").code()).isZero();
            assertThat(vol.resolve("in-vol.txt")).hasContent("from the host");

            Path out = dir.resolve("out.txt");
            Out cpOut = run("cp", "cp:/var/tmp/inside", out.toString());
            assertThat(cpOut.code()).as(cpOut.stderr()).isZero();
            assertThat(out).hasContent("written-inside");
            Path leaked = dir.resolve("leaked.txt");
            assertThat(run("cp", "cp:" + probe, leaked.toString()).code()).as("a host-only file copied out")
                    .isNotZero();
            assertThat(leaked).doesNotExist();

            // The host's processes (its init first of all) are not the container's.
            Out top = run("top", "cp", "pid", "args");
            assertThat(top.code()).as(top.stderr()).isZero();
            String hostInit = String.join(" ", ProcessHandle.of(1).orElseThrow().info().commandLine().orElse("init"));
            assertThat(top.stdout().lines().skip(1).toList()).hasSize(1)
                    .noneMatch(l -> l.contains(hostInit) || l.contains("java"));
        } finally {
            Files.deleteIfExists(probe);
            Files.deleteIfExists(planted);
        }
    }

    @Test
    void capDropAllLeavesTheContainerAndItsExecsNone() throws Exception {
        Commands.assertCapDropAllLeavesNone(PodmanE2EIT::run, IMAGE, "--network", "none");
    }

    @Test
    void interactiveRunHasAWorkingPrompt() throws Exception {
        Commands.assertInteractiveShell(dir, "hull-podman",
                podman("run", "--rm", "-it", "--network", "none", IMAGE, "sh"));
    }

    /** A pod whose infra container is busybox sleeping (podman's own pause image is not offline). */
    private static void createPod(String name) throws Exception {
        Path tar = dir.resolve("pause.tar");
        Path extra = Files.createDirectories(dir.resolve("pause-extra"));
        Files.writeString(extra.resolve("pause"), "#!/bin/sh\nexec sleep 2147483647\n");
        extra.resolve("pause").toFile().setExecutable(true, false);
        Process t = new ProcessBuilder("sh", "-c", "tar -C " + TestAssets.busyboxRootfs() + " -cf " + tar
                + " . && tar -rf " + tar + " -C " + extra + " ./pause").inheritIO().start();
        assertThat(t.waitFor()).isZero();
        assertThat(run("import", tar.toString(), "localhost/hull-pause:e2e").code()).isZero();
        Out pod = run("pod", "create", "--name", name, "--infra-image", "localhost/hull-pause:e2e",
                "--infra-command", "/pause");
        assertThat(pod.code()).as(pod.stderr()).isZero();
    }

    /** tests/fixtures/shm-check.c, static, in the test folder (busybox has no shm_open or mmap applet). */
    private static Path shmCheck() throws Exception {
        Path check = dir.resolve("shm-check");
        Process cc = new ProcessBuilder("cc", "-static", "-O2", "-o", check.toString(),
                TestAssets.projectDir().resolve("tests/fixtures/shm-check.c").toString())
                .redirectErrorStream(true).start();
        String ccOut = new String(cc.getInputStream().readAllBytes());
        assertThat(cc.waitFor()).as("cc shm-check.c: " + ccOut).isZero();
        return check;
    }

    /**
     * The members of a pod share its ipc namespace and so its /dev/shm (podman binds the infra container's
     * into each): a tmpfs in the guest, in which what one writes the other reads and shared memory maps.
     */
    @Test
    void podMembersShareDevShm() throws Exception {
        createPod("p2");
        Path check = shmCheck();
        Out writer = run("run", "-d", "--pod", "p2", "--name", "writer", IMAGE, "sh", "-c",
                "echo from-the-writer > /dev/shm/note; exec sleep 1000");
        assertThat(writer.code()).as(writer.stderr()).isZero();
        Out reader = run("run", "--rm", "--pod", "p2", "-v", check + ":/bin/shm-check:ro", IMAGE, "sh", "-c",
                "shm-check; for i in 1 2 3 4 5 6 7 8 9 10; do [ -f /dev/shm/note ] && break; sleep 0.5; done;"
                        + " cat /dev/shm/note; grep ' /dev/shm ' /proc/mounts | cut -d' ' -f3");
        assertThat(reader.code()).as(reader.stderr()).isZero();
        assertThat(reader.stdout()).isEqualTo("shm: mapped and shared\nfrom-the-writer\ntmpfs\n");
    }

    /**
     * A podman pod: the infra container boots the VM, each member is created inside it (podman names the
     * infra's namespaces by its pid and marks members with CRI-O's SandboxID), and they reach each other
     * on localhost.
     */
    @Test
    void aPodIsOneVmAndItsMembersReachEachOtherOnLocalhost() throws Exception {
        createPod("p1");
        Out server = run("run", "-d", "--pod", "p1", "--name", "server", IMAGE, "sh", "-c",
                "mkdir -p /www && echo served-in-the-pod > /www/index.html && exec httpd -f -p 8080 -h /www");
        assertThat(server.code()).as(server.stderr()).isZero();
        Out client = run("run", "-d", "--pod", "p1", "--name", "client", IMAGE, "sleep", "1000");
        assertThat(client.code()).as(client.stderr()).isZero();

        String bootId = run("exec", "server", "cat", "/proc/sys/kernel/random/boot_id").stdout();
        assertThat(bootId).isNotBlank();
        assertThat(run("exec", "client", "cat", "/proc/sys/kernel/random/boot_id").stdout()).isEqualTo(bootId);
        var vms = Commands.hullVms(StateStore.DEFAULT_ROOT);
        assertThat(vms).hasSize(1);
        Out fetched = run("exec", "client", "wget", "-qO-", "http://127.0.0.1:8080/");
        assertThat(fetched.stdout()).as(fetched.stderr()).isEqualTo("served-in-the-pod\n");
        Out exitCode = run("exec", "server", "sh", "-c", "exit 5");
        assertThat(exitCode.code()).isEqualTo(5);

        List<String> ids = run("ps", "-a", "-q", "--no-trunc").stdout().lines().toList();
        Out removed = run("rm", "-f", "client");
        assertThat(removed.code()).as(removed.stderr()).isZero();
        assertThat(run("exec", "server", "echo", "still-up").stdout()).isEqualTo("still-up\n");
        Out gone = run("pod", "rm", "-f", "p1");
        assertThat(gone.code()).as(gone.stderr()).isZero();
        assertThat(vms.stream().filter(pid -> ProcessHandle.of(pid).isPresent()).toList()).isEmpty();
        Commands.assertNoPodMounts(ids);
    }

    @Test
    void defaultBridgeNetworkPublishedPortAndTheHostsBridge() throws Exception {
        Commands.assertBridgeNetworking(PodmanE2EIT::run, IMAGE);
    }
}
