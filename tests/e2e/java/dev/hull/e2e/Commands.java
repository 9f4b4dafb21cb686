package dev.hull.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.hull.sys.Mounts;
import dev.hull.testing.Http;
import dev.hull.testing.HullCli;
import dev.hull.testing.NetLeftovers;
import dev.hull.testing.TestAssets;
import dev.hull.testing.Tmux;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import static org.assertj.core.api.Assertions.assertThat;

/** What the manager tests share: running a manager's CLI, and driving an interactive container. */
final class Commands {
    private Commands() {
    }

    record Out(int code, String stdout, String stderr) {
    }

    /** Runs a command with no stdin; output goes to files, as a detached container may hold it. */
    static Out run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        if (!p.waitFor(150, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", cmd) + " did not finish");
        }
        return new Out(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** A docker-compatible CLI (docker, podman): its arguments in, what it did out. */
    interface DockerLike {
        Out run(String... args) throws IOException, InterruptedException;
    }

    /** The test busybox root, packed into {@code dir} and imported as {@code image} (no registry here). */
    static void importBusybox(DockerLike cli, Path dir, String image) throws Exception {
        Path tar = dir.resolve("busybox.tar");
        Process t = new ProcessBuilder("tar", "-C", TestAssets.busyboxRootfs().toString(), "-cf", tar.toString(), ".")
                .inheritIO().start();
        assertThat(t.waitFor()).isZero();
        Out imported = cli.run("import", tar.toString(), image);
        assertThat(imported.code()).as(imported.stderr()).isZero();
    }

    /** Waits (up to 30 s) until the logs of container {@code name} contain {@code text}. */
    static void awaitLog(DockerLike cli, String name, String text) throws Exception {
        assertThat(awaitOutput(cli, text, "logs", name)).contains(text);
    }

    /**
     * The output of {@code args} once it contains {@code text}, or after 30 s whatever it is: what a
     * container sees of a change made on the host comes within the share's cache time.
     */
    static String awaitOutput(DockerLike cli, String text, String... args) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String out = cli.run(args).stdout();
        while (!out.contains(text) && System.nanoTime() < end) {
            Thread.sleep(200);
            out = cli.run(args).stdout();
        }
        return out;
    }

    /**
     * The life of a detached container started as {@code name} (echoing "started", then sleeping), the
     * same through docker and podman: logs, exec with its status, pause seen by inspect, unpause, stop, rm.
     */
    static void assertDetachedLifecycle(DockerLike cli, String name) throws Exception {
        awaitLog(cli, name, "started");
        Out exec = cli.run("exec", name, "sh", "-c", "echo from exec; exit 4");
        assertThat(exec.code()).isEqualTo(4);
        assertThat(exec.stdout()).isEqualTo("from exec\n");
        assertThat(cli.run("pause", name).code()).isZero();
        assertThat(cli.run("inspect", "--format", "{{.State.Status}}", name).stdout().strip()).isEqualTo("paused");
        assertThat(cli.run("unpause", name).code()).isZero();
        assertThat(cli.run("stop", "-t", "2", name).code()).isZero();
        assertThat(cli.run("rm", name).code()).isZero();
    }

    /**
     * The container is what the manager asked for: its own capabilities (not all of root's: sethostname
     * needs CAP_SYS_ADMIN, which both managers drop), its default seccomp profile loaded, a VM of the
     * size of {@code -m 1g --cpus 2} with the limit on the guest cgroup; and what it writes is in its root
     * on the host, where {@code diff} and {@code cp} find it. {@code run} is the manager's run with its
     * runtime and network options.
     */
    static void assertConfinedAsTheManagerSays(DockerLike cli, String image, String... runOptions) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--rm"));
        args.addAll(List.of(runOptions));
        args.addAll(List.of("-m", "1g", "--cpus", "2", image, "sh", "-c",
                "grep MemTotal /proc/meminfo; nproc; grep -E '^(CapEff|Seccomp):' /proc/self/status;"
                        + " cat /sys/fs/cgroup/memory.max; hostname renamed || echo no-sys-admin"));
        Out r = cli.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.stderr()).isZero();
        List<String> lines = r.stdout().lines().toList();
        long memTotalKib = Long.parseLong(lines.get(0).replaceAll("\\D", ""));
        assertThat(memTotalKib).as(r.stdout()).isBetween(1L << 20, (1L << 20) + (100L << 10));
        assertThat(Integer.parseInt(lines.get(1))).isEqualTo(Math.min(2, Runtime.getRuntime().availableProcessors()));
        assertThat(lines.get(2)).startsWith("CapEff:").isNotEqualTo("CapEff:\t000001ffffffffff");
        assertThat(lines.get(3)).isEqualTo("Seccomp:\t2");
        assertThat(lines.get(4)).isEqualTo(Long.toString(1L << 30));
        assertThat(lines.get(5)).isEqualTo("no-sys-admin");

        List<String> detached = new ArrayList<>(List.of("run", "-d", "--name", "writer"));
        detached.addAll(List.of(runOptions));
        detached.addAll(List.of(image, "sh", "-c", "echo from-the-guest > /written; sleep 1000"));
        Out started = cli.run(detached.toArray(String[]::new));
        assertThat(started.code()).as(started.stderr()).isZero();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!cli.run("diff", "writer").stdout().contains("/written") && System.nanoTime() < end) {
            Thread.sleep(200);
        }
        assertThat(cli.run("diff", "writer").stdout()).contains("A /written");
        // podman cp into a running container goes through /proc/PID/root, which for Hull is the shim's
        // (the host's): from a stopped one it reads the container's storage, as docker cp always does.
        assertThat(cli.run("stop", "-t", "1", "writer").code()).isZero();
        Path out = Files.createTempDirectory("hull-cp").resolve("written");
        Out cp = cli.run("cp", "writer:/written", out.toString());
        assertThat(cp.code()).as(cp.stderr()).isZero();
        assertThat(Files.readString(out)).isEqualTo("from-the-guest\n");
        assertThat(cli.run("rm", "-f", "writer").code()).isZero();
    }

    /**
     * {@code --cap-drop ALL} ({@code "capabilities": {}} or empty lists in config.json) leaves the container's
     * process and an exec into it without a capability, as runc does (they had the agent's full set).
     */
    static void assertCapDropAllLeavesNone(DockerLike cli, String image, String... runOptions) throws Exception {
        String none = "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t0000000000000000\n";
        String[] grep = {"grep", "-E", "^Cap(Prm|Eff|Bnd)", "/proc/self/status"};
        List<String> args = new ArrayList<>(List.of("run", "--rm", "--cap-drop", "ALL"));
        args.addAll(List.of(runOptions));
        args.add(image);
        args.addAll(List.of(grep));
        Out r = cli.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).as("the container's process").isEqualTo(none);

        List<String> detached = new ArrayList<>(List.of("run", "-d", "--name", "capless", "--cap-drop", "ALL"));
        detached.addAll(List.of(runOptions));
        detached.addAll(List.of(image, "sleep", "1000"));
        Out started = cli.run(detached.toArray(String[]::new));
        assertThat(started.code()).as(started.stderr()).isZero();
        List<String> exec = new ArrayList<>(List.of("exec", "capless"));
        exec.addAll(List.of(grep));
        Out execd = cli.run(exec.toArray(String[]::new));
        assertThat(execd.code()).as(execd.stderr()).isZero();
        assertThat(execd.stdout()).as("an exec into it").isEqualTo(none);
        assertThat(cli.run("rm", "-f", "capless").code()).isZero();
    }

    /** Runs {@code cmd} (an interactive busybox sh) in a terminal: a prompt, arithmetic, exit 5. */
    static void assertInteractiveShell(Path dir, String name, List<String> cmd) throws Exception {
        Path exit = dir.resolve(name + ".exit");
        String command = String.join(" ", cmd) + "; echo $? > " + exit + ".tmp; mv " + exit + ".tmp " + exit
                + "; sleep 60";
        try (Tmux tmux = new Tmux(name + "-" + ProcessHandle.current().pid(), 80, 24, command)) {
            tmux.await("^/ #", Duration.ofSeconds(60));
            tmux.type("echo $((6*7))");
            tmux.keys("Enter");
            tmux.await("^42$", Duration.ofSeconds(30));
            tmux.type("exit 5");
            tmux.keys("Enter");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(exit) && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            assertThat(Files.readString(exit).strip()).isEqualTo("5");
        }
    }

    /**
     * A manager's default bridge network carried into the VM: busybox httpd in the container serves a
     * file through {@code -p 18080:80} to curl on the host; the container fetches from a server on the
     * host's bridge address; ip addr in the VM shows the manager's address; /etc/hostname and /etc/hosts
     * are the manager's; after rm no tap or filter is left. {@code network} are extra run options.
     */
    static void assertBridgeNetworking(DockerLike cli, String image, String... network) throws Exception {
        List<String> run = new ArrayList<>(List.of("run", "-d", "--name", "web", "-p", "18080:80"));
        run.addAll(List.of(network));
        run.addAll(List.of(image, "sh", "-c",
                "mkdir -p /www && echo served-from-the-vm > /www/index.html && exec httpd -f -p 80 -h /www"));
        Out started = cli.run(run.toArray(String[]::new));
        assertThat(started.code()).as(started.stderr()).isZero();
        assertThat(Http.curl("http://127.0.0.1:18080/", Duration.ofSeconds(60))).isEqualTo("served-from-the-vm\n");

        String ip = cli.run("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "web").stdout().strip();
        String gateway = cli.run("inspect", "-f", "{{.NetworkSettings.Gateway}}", "web").stdout().strip();
        assertThat(ip).matches("[0-9.]+");
        Out addr = cli.run("exec", "web", "sh", "-c", "uname -r; ip addr show eth0");
        assertThat(addr.stdout()).contains("-hull").contains("inet " + ip + "/");

        HttpServer host = Http.serve(gateway, "from-the-host\n");
        try {
            Out fetched = cli.run("exec", "web", "timeout", "20", "wget", "-qO-",
                    "http://" + gateway + ":" + host.getAddress().getPort() + "/");
            assertThat(fetched.stdout()).as(fetched.stderr()).isEqualTo("from-the-host\n");
        } finally {
            host.stop(0);
        }
        String hostname = cli.run("inspect", "-f", "{{.Config.Hostname}}", "web").stdout().strip();
        Out files = cli.run("exec", "web", "sh", "-c",
                "echo $(cat /etc/hostname); grep -c " + ip + " /etc/hosts; grep -c nameserver /etc/resolv.conf");
        assertThat(files.stdout()).as(files.stderr()).isEqualTo(hostname + "\n1\n1\n");

        assertThat(cli.run("rm", "-f", "web").code()).isZero();
        assertThat(NetLeftovers.find()).as("taps or filters left").isEmpty();
    }

    /**
     * The qemu processes that Hull's {@code list --all} names for the containers under state root
     * {@code root} (a pod's members name their pod's): the VMs a manager's containers run in.
     */
    static Set<Long> hullVms(Path root) throws Exception {
        Out list = run(Path.of(System.getProperty("java.io.tmpdir")), List.of(HullCli.launcher().toString(), "--root",
                root.toString(), "list", "--all", "--format", "json"));
        assertThat(list.code()).as(list.stderr()).isZero();
        Set<Long> pids = new TreeSet<>();
        var rows = new ObjectMapper().readTree(list.stdout());
        for (var row : rows) {
            long pid = row.path("vm").path("qemuPid").asLong();
            if ("running".equals(row.path("status").asText()) && pid > 0) {
                pids.add(pid);
            }
        }
        return pids;
    }

    /** Fails if a bind of the roots of {@code ids} (a pod's share) is still mounted on the host. */
    static void assertNoPodMounts(List<String> ids) throws IOException {
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        for (String id : ids) {
            assertThat(mounts).as("mounts of " + id).doesNotContain("/pod/root/" + id + " ");
        }
    }

    /**
     * What is mounted under /run/hull, where run folders of deep state roots live (every manager's): a pod
     * share a test leaves there is a leak.
     */
    static List<Path> runHullMounts() throws IOException {
        return Mounts.under(Path.of("/run/hull"));
    }
}
