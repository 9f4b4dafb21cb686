package dev.hull.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hull.e2e.Commands.Out;

import dev.hull.testing.HullCli;
import dev.hull.testing.Leftovers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's containerd with its standard runc v2 shim, pointed at Hull (ctr's --runc-binary): the path
 * Kubernetes takes through a RuntimeClass.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ContainerdE2EIT {
    private static final String IMAGE = "localhost/hull-busybox:e2e";

    @TempDir
    static Path dir;

    private static PrivateContainerd containerd;

    private static List<String> ctr(String... args) {
        return containerd.ctr(args);
    }

    private static List<String> hullRun() {
        return List.of("--runc-binary", HullCli.launcher().toString(), "--runc-root", dir.resolve("hull").toString());
    }

    static Out run(List<String> cmd) throws IOException, InterruptedException {
        return containerd.run(cmd);
    }

    @BeforeAll
    static void startContainerd() throws Exception {
        containerd = PrivateContainerd.start(dir, IMAGE, Map.of());
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
    }

    @RegisterExtension
    final NoMountsLeft noMountsLeft = new NoMountsLeft();

    @AfterEach
    void nothingLeftBehind() throws Exception {
        containerd.removeAll(List.of("c1", "c2", "c3"));
        assertThat(Leftovers.killHull(dir)).as("hull processes left behind").isEmpty();
        Path ns = dir.resolve("hull").resolve("default");
        if (Files.isDirectory(ns)) {
            try (var entries = Files.list(ns)) {
                assertThat(entries.filter(Files::isDirectory).toList()).as("hull state left behind").isEmpty();
            }
        }
    }

    @Test
    void runEchoAndExitCodeInTheGuestKernel() throws Exception {
        List<String> cmd = new ArrayList<>(ctr("run", "--rm"));
        cmd.addAll(hullRun());
        cmd.addAll(List.of(IMAGE, "c1", "sh", "-c", "echo hi; uname -r; exit 3"));
        Out r = run(cmd);
        assertThat(r.code()).as(r.stderr()).isEqualTo(3);
        assertThat(r.stdout()).startsWith("hi\n").contains("-hull");
    }

    @Test
    void bindMountsReachTheVm() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("in.txt"), "from the host\n");
        List<String> cmd = new ArrayList<>(ctr("run", "--rm", "--mount",
                "type=bind,src=" + data + ",dst=/data,options=rbind:rw"));
        cmd.addAll(hullRun());
        cmd.addAll(List.of(IMAGE, "c1", "sh", "-c", "cat /data/in.txt; echo back > /data/out.txt"));
        Out r = run(cmd);
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("from the host\n");
        assertThat(Files.readString(data.resolve("out.txt"))).isEqualTo("back\n");
    }

    @Test
    void interactiveRunHasAWorkingPrompt() throws Exception {
        List<String> cmd = new ArrayList<>(ctr("run", "-t", "--rm"));
        cmd.addAll(hullRun());
        cmd.addAll(List.of(IMAGE, "c3", "sh"));
        Commands.assertInteractiveShell(dir, "hull-ctr", cmd);
    }
    @Test
    void detachedExecPsPauseKill() throws Exception {
        Path log = dir.resolve("c2.log");
        List<String> cmd = new ArrayList<>(ctr("run", "-d", "--log-uri", "file://" + log));
        cmd.addAll(hullRun());
        cmd.addAll(List.of("--env", "FOO=bar", "--cwd", "/tmp", IMAGE, "c2", "sh", "-c", "echo started; sleep 1000"));
        Out started = run(cmd);
        assertThat(started.code()).as(started.stderr()).isZero();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(Files.exists(log) && Files.readString(log).contains("started")) && System.nanoTime() < until) {
            Thread.sleep(200);
        }
        assertThat(Files.readString(log)).as("the detached container's output").contains("started");
        Out exec = run(ctr("task", "exec", "--exec-id", "e1", "c2", "sh", "-c", "echo $FOO $(pwd); exit 4"));
        assertThat(exec.code()).isEqualTo(4);
        assertThat(exec.stdout()).isEqualTo("bar /tmp\n");
        // ctr task ps: the host pids the shim got from `hull ps --format json`, as runc's (its cgroup's): here
        // the task's own (its anchor), never the guest's numbers (host kernel threads).
        long pid = containerd.taskPid("c2");
        List<Long> pids = containerd.taskPs("c2");
        assertThat(pids).containsExactly(pid);
        assertThat(run(ctr("task", "pause", "c2")).code()).isZero();
        assertThat(run(ctr("task", "ls")).stdout()).contains("PAUSED");
        assertThat(run(ctr("task", "resume", "c2")).code()).isZero();
        // Its shell is PID 1 of its namespace with no TERM handler, so ctr's default SIGTERM is ignored (as with
        // runc): KILL ends it.
        assertThat(run(ctr("task", "kill", "-s", "KILL", "c2")).code()).isZero();
        assertThat(containerd.awaitTaskStatus("c2", "STOPPED")).isEqualTo("STOPPED");
    }

    /**
     * ctr task checkpoint runs `checkpoint`, which runc refuses without criu and Hull refuses always (a VM's
     * container is out of criu's reach): the refusal reaches ctr, and the task runs on.
     */
    @Test
    void checkpointIsRefusedClearlyAndTheTaskRunsOn() throws Exception {
        List<String> cmd = new ArrayList<>(ctr("run", "-d"));
        cmd.addAll(hullRun());
        cmd.addAll(List.of(IMAGE, "c1", "sleep", "1000"));
        Out started = run(cmd);
        assertThat(started.code()).as(started.stderr()).isZero();
        Out checkpoint = run(ctr("task", "checkpoint", "c1"));
        assertThat(checkpoint.code()).isNotZero();
        assertThat(checkpoint.stderr()).contains("checkpoint is not supported: the container runs in its own virtual"
                + " machine");
        assertThat(run(ctr("task", "ls")).stdout()).containsPattern("c1\\s+\\d+\\s+RUNNING");
    }
}
