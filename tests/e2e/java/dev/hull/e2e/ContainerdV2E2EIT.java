package dev.hull.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hull.e2e.Commands.Out;
import dev.hull.sys.Mounts;
import dev.hull.testing.HullCli;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's containerd running Hull's own runtime v2 shim ({@code io.containerd.hull.v2}, bin/containerd-shim-hull-v2,
 * found on the PATH containerd was started with), its state under a private {@code HULL_V2_ROOT}: what a user of
 * {@code ctr --runtime io.containerd.hull.v2} sees, and that each test leaves no shim, VM, mount or state behind.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ContainerdV2E2EIT {
    private static final String IMAGE = "localhost/hull-busybox:e2e-v2";
    private static final String RUNTIME = "io.containerd.hull.v2";
    private static final List<String> IDS = List.of("v1", "v2", "v3", "v4");

    @TempDir
    static Path dir;

    private static PrivateContainerd containerd;

    @RegisterExtension
    final NoMountsLeft noMountsLeft = new NoMountsLeft();

    private static Path v2Root() {
        return dir.resolve("hull-v2");
    }

    private static List<String> ctr(String... args) {
        return containerd.ctr(args);
    }

    /** {@code ctr run OPTIONS --runtime io.containerd.hull.v2 IMAGE ID COMMAND...}. */
    private static List<String> ctrRun(List<String> options, String id, String... command) {
        List<String> cmd = new ArrayList<>(ctr("run"));
        cmd.addAll(options);
        cmd.addAll(List.of("--runtime", RUNTIME, IMAGE, id));
        cmd.addAll(List.of(command));
        return cmd;
    }

    private static Out run(List<String> cmd) throws IOException, InterruptedException {
        return containerd.run(cmd);
    }

    @BeforeAll
    static void startContainerd() throws Exception {
        String bin = HullCli.launcher().getParent().toString();
        containerd = PrivateContainerd.start(dir, IMAGE, Map.of("PATH", bin + File.pathSeparator
                + System.getenv("PATH"), "HULL_V2_ROOT", v2Root().toString()));
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
    }

    /**
     * What the test's tasks and containers left is removed through ctr; then, within 30 s (a shim exits once
     * containerd has deleted its last task): no shim JVM, qemu or virtiofsd of this containerd's, no mount
     * under its state or the shim's root, no container state and no shim socket.
     */
    @AfterEach
    void nothingLeftBehind() throws Exception {
        containerd.removeAll(IDS);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<String> left = leftovers();
        while (!left.isEmpty() && System.nanoTime() < end) {
            Thread.sleep(200);
            left = leftovers();
        }
        if (!left.isEmpty()) {
            hullProcesses().forEach(ProcessHandle::destroyForcibly);
            Mounts.detachUnder(containerd.state());
            Mounts.detachUnder(v2Root());
            // What killed shims left: the next test starts clean.
            for (String folder : List.of("ns/default", "s")) {
                for (Path p : entries(v2Root().resolve(folder))) {
                    new ProcessBuilder("rm", "-rf", p.toString()).inheritIO().start().waitFor();
                }
            }
        }
        assertThat(left).as("left behind after the test (shim logs: %s)", shimLogs()).isEmpty();
    }

    private static List<String> leftovers() throws IOException {
        List<String> left = new ArrayList<>();
        hullProcesses().forEach(p -> left.add("process " + p.pid() + ": " + p.info().commandLine().orElse("?")));
        Mounts.under(containerd.state()).forEach(m -> left.add("mount " + m));
        Mounts.under(v2Root()).forEach(m -> left.add("mount " + m));
        left.addAll(entries(v2Root().resolve("ns/default")).stream().map(p -> "state " + p).toList());
        left.addAll(entries(v2Root().resolve("s")).stream().map(p -> "socket " + p).toList());
        return left;
    }

    /** The shim JVMs of this containerd (they name its socket), and the qemu and virtiofsd under the shim root. */
    private static List<ProcessHandle> hullProcesses() {
        String socket = dir.resolve("containerd.sock").toString();
        String root = v2Root().toString();
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(c -> c.contains(
                "dev.hull.containerd.ShimMain") && (c.contains(socket) || c.contains(root))
                || (c.contains("qemu-system") || c.contains("virtiofsd")) && c.contains(root)).orElse(false))
                .toList();
    }

    private static List<Path> entries(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(folder)) {
            return s.toList();
        }
    }

    private static String shimLogs() throws IOException {
        StringBuilder text = new StringBuilder();
        for (Path log : entries(v2Root().resolve("log"))) {
            text.append("\n== ").append(log).append('\n').append(Files.readString(log));
        }
        return text.toString();
    }

    @Test
    void runPrintsAndExitsWithItsCodeInTheGuestKernel() throws Exception {
        Out r = run(ctrRun(List.of("--rm"), "v1", "sh", "-c", "echo hi; uname -r; exit 3"));
        assertThat(r.code()).as(r.stderr()).isEqualTo(3);
        List<String> lines = r.stdout().lines().toList();
        assertThat(lines).as(r.stdout()).hasSize(2);
        assertThat(lines.get(0)).isEqualTo("hi");
        assertThat(lines.get(1)).as("the guest's kernel").endsWith("-hull");
    }

    /**
     * A workload that SIGKILL ends: {@code ctr run} exits 137. (Not by {@code kill -9 $$}: the workload is PID 1
     * of its PID namespace, which the kernel keeps from its own namespace's SIGKILL, in Hull's guest as with
     * runc; the signal comes from ctr task kill.)
     */
    @Test
    void aWorkloadKilledBySigkillExits137() throws Exception {
        Path out = dir.resolve("v1.out");
        Process attached = new ProcessBuilder(ctrRun(List.of("--rm"), "v1", "sleep", "1000"))
                .redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            assertThat(containerd.awaitTaskStatus("v1", "RUNNING")).as(Files.readString(out)).isEqualTo("RUNNING");
            assertThat(run(ctr("task", "kill", "-s", "KILL", "v1")).code()).isZero();
            assertThat(attached.waitFor(60, TimeUnit.SECONDS)).as("ctr run ends").isTrue();
            assertThat(attached.exitValue()).as(Files.readString(out)).isEqualTo(137);
        } finally {
            attached.destroyForcibly().waitFor();
        }
    }

    @Test
    void interactiveRunHasAWorkingPrompt() throws Exception {
        Commands.assertInteractiveShell(dir, "hull-ctr-v2", ctrRun(List.of("-t", "--rm"), "v3", "sh"));
    }

    @Test
    void detachedTaskExecMetricsPsPauseAndTermReachesItsTrap() throws Exception {
        Out started = run(ctrRun(List.of("-d"), "v2", "sh", "-c", "trap 'exit 7' TERM; while true; do sleep 1; done"));
        assertThat(started.code()).as(started.stderr()).isZero();
        assertThat(containerd.awaitTaskStatus("v2", "RUNNING")).isEqualTo("RUNNING");

        Out exec = run(ctr("task", "exec", "--exec-id", "e1", "v2", "sh", "-c", "echo from exec $(uname -r); exit 5"));
        assertThat(exec.code()).as(exec.stderr()).isEqualTo(5);
        assertThat(exec.stdout()).startsWith("from exec ").endsWith("-hull\n");
        // ctr deleted that exec once it ended: its id is free again, as with runc's shim.
        Out again = run(ctr("task", "exec", "--exec-id", "e1", "v2", "sh", "-c", "exit 6"));
        assertThat(again.code()).as(again.stderr()).isEqualTo(6);

        Out metrics = run(ctr("task", "metrics", "v2"));
        assertThat(metrics.code()).as(metrics.stderr()).isZero();
        assertThat(metric(metrics.stdout(), "pids.current")).as(metrics.stdout()).isGreaterThanOrEqualTo(1);
        assertThat(metric(metrics.stdout(), "memory.usage")).as(metrics.stdout()).isPositive();

        long pid = containerd.taskPid("v2");
        assertThat(containerd.taskPs("v2")).as("ctr task ps").contains(pid);

        assertThat(run(ctr("task", "pause", "v2")).code()).isZero();
        assertThat(containerd.taskStatus("v2")).isEqualTo("PAUSED");
        assertThat(run(ctr("task", "resume", "v2")).code()).isZero();
        assertThat(containerd.taskStatus("v2")).isEqualTo("RUNNING");

        assertThat(run(ctr("task", "kill", "v2")).code()).isZero();
        assertThat(containerd.awaitTaskStatus("v2", "STOPPED")).isEqualTo("STOPPED");
        // ctr task rm says what a task that failed exited with.
        Out removed = run(ctr("task", "rm", "v2"));
        assertThat(removed.code()).as(removed.stderr()).isZero();
        assertThat(removed.stderr()).contains("task v2 exit with non-zero exit code 7");
    }

    /** The value of {@code name} in ctr task metrics' table (METRIC VALUE). */
    private static long metric(String table, String name) {
        return table.lines().map(l -> l.strip().split("\\s+")).filter(f -> f.length == 2 && f[0].equals(name))
                .map(f -> Long.parseLong(f[1])).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in ctr task metrics:\n" + table));
    }

    /**
     * The shim JVM killed with SIGKILL while its task runs: containerd sees its connection go and runs the
     * binary's delete, which ends the VM the shim left (qemu, virtiofsd, the anchor) and removes its state,
     * root mount and socket; the after-test check finds nothing.
     */
    @Test
    void aShimKilledLeavesNothingOnceContainerdCleansUp() throws Exception {
        Out started = run(ctrRun(List.of("-d"), "v1", "sleep", "1000"));
        assertThat(started.code()).as(started.stderr()).isZero();
        List<ProcessHandle> shims = hullProcesses().stream().filter(p -> p.info().commandLine()
                .map(c -> c.contains("dev.hull.containerd.ShimMain")).orElse(false)).toList();
        assertThat(shims).as("the task's shim JVM").hasSize(1);
        List<ProcessHandle> vm = hullProcesses().stream().filter(p -> p.info().commandLine()
                .map(c -> c.contains("qemu-system")).orElse(false)).toList();
        assertThat(vm).as("the task's qemu").hasSize(1);
        shims.getFirst().destroyForcibly();
        assertThat(shims.getFirst().onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (vm.getFirst().isAlive() && System.nanoTime() < end) {
            Thread.sleep(200);
        }
        assertThat(vm.getFirst().isAlive()).as("qemu of the killed shim, after containerd's clean-up").isFalse();
    }

    /**
     * A network namespace someone else uses (a process of theirs in it) is not Hull's to carry into a VM: the run
     * fails with the reason, the namespace gets no tap, its process goes on, and nothing is left (AfterEach).
     * The script starts this shim in the namespace without a JVM of its own; the shim refuses it at Create.
     */
    @Test
    void aNetworkNamespaceHullDoesNotOwnIsRefused() throws Exception {
        String ns = "hullv2e2e" + ProcessHandle.current().pid();
        assertThat(Commands.run(dir, List.of("ip", "netns", "add", ns)).code()).isZero();
        Process theirs = new ProcessBuilder("ip", "netns", "exec", ns, "sleep", "1000").start();
        try {
            Out r = run(ctrRun(List.of("--rm", "--with-ns", "network:/var/run/netns/" + ns), "v1", "true"));
            assertThat(r.code()).as(r.stdout()).isNotZero();
            assertThat(r.stderr()).contains("cannot take over the network namespace /var/run/netns/" + ns)
                    .contains("process " + theirs.pid() + " (sleep) is in it");
            Out links = Commands.run(dir, List.of("ip", "-n", ns, "-o", "link", "show"));
            assertThat(links.stdout()).doesNotContain("tap");
            assertThat(theirs.isAlive()).isTrue();
        } finally {
            theirs.destroyForcibly().waitFor();
            Commands.run(dir, List.of("ip", "netns", "del", ns));
        }
    }

    @Test
    void anOomInTheGuestExits137AndContainerdHearsOfIt() throws Exception {
        Path events = dir.resolve("events.txt");
        Process watching = new ProcessBuilder(ctr("events")).redirectErrorStream(true).redirectOutput(events.toFile())
                .start();
        try {
            Thread.sleep(500);
            Out r = run(ctrRun(List.of("--rm", "--memory-limit", Long.toString(32L << 20)), "v4", "sh", "-c",
                    "a=xxxxxxxxxxxxxxxx; while true; do a=\"$a$a\"; done"));
            assertThat(r.code()).as(r.stderr()).isEqualTo(137);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.readString(events).contains("/tasks/delete") && System.nanoTime() < end) {
                Thread.sleep(200);
            }
        } finally {
            watching.destroy();
            watching.waitFor(10, TimeUnit.SECONDS);
        }
        List<String> topics = Files.readString(events).lines().filter(l -> l.contains("\"container_id\":\"v4\""))
                .map(l -> l.split(" ")).filter(f -> f.length > 5).map(f -> f[5]).toList();
        assertThat(topics).as(Files.readString(events)).contains("/tasks/oom", "/tasks/exit");
        assertThat(topics.indexOf("/tasks/oom")).as("the oom before the exit")
                .isLessThan(topics.indexOf("/tasks/exit"));
    }
}
