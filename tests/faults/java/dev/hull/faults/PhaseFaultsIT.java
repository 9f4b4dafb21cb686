package dev.hull.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hull.testing.Bundles;
import dev.hull.testing.HullCli;
import dev.hull.testing.HullTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults at the phases ShimFaultsIT does not reach: an exec (its CLI, the shim, qemu killed under it),
 * start and delete (their CLI killed), twenty containers created and deleted at once, and a state
 * folder that fills up. After each: a clear error or the right status, delete works, nothing is left
 * running (HullTest).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PhaseFaultsIT extends HullTest {

    private void running(String id) throws Exception {
        hull.run("run", "-d", "-b", Bundles.of(dir.resolve("b-" + id), "sleep", "1000").toString(), id).assertOk();
    }

    private long pid(String id) throws Exception {
        return Bundles.JSON.readTree(hull.run("state", id).assertOk().stdout()).get("pid").asLong();
    }

    /** `hull exec ID sleep 1000` in the background, once its process runs in the guest. */
    private Process execSleeping(String id) throws Exception {
        Process exec = hull.start(null, dir.resolve("exec.out"), dir.resolve("exec.err"), "exec", id, "sleep", "1000");
        waitFor(Duration.ofSeconds(60), () -> hull.run("ps", id).stdout().contains("sleep 1000")
                && hull.run("ps", id).stdout().lines().filter(l -> l.contains("sleep 1000")).count() == 2);
        return exec;
    }

    @Test
    void theShimKilledDuringAnExecEndsTheExecAndTheContainer() throws Exception {
        running("c");
        Process exec = execSleeping("c");
        ProcessHandle.of(pid("c")).orElseThrow().destroyForcibly();
        assertThat(exec.waitFor(30, TimeUnit.SECONDS)).as("the exec's CLI ends").isTrue();
        assertThat(exec.exitValue()).isNotZero();
        awaitStatus("c", "stopped");
        hull.run("delete", "c").assertOk();
        assertThat(Procs.find(dir, "qemu-system")).isEmpty();
    }

    @Test
    void qemuKilledDuringAnExecEndsItAsKilled() throws Exception {
        running("c");
        Process exec = execSleeping("c");
        Procs.await(dir, "qemu-system").destroyForcibly();
        assertThat(exec.waitFor(30, TimeUnit.SECONDS)).as("the exec's CLI ends").isTrue();
        assertThat(exec.exitValue()).isEqualTo(137);
        awaitStatus("c", "stopped");
        hull.run("delete", "c").assertOk();
    }

    @Test
    void theExecsCliKilledLeavesTheContainerUsable() throws Exception {
        running("c");
        Process exec = execSleeping("c");
        exec.destroyForcibly();
        exec.waitFor(10, TimeUnit.SECONDS);
        assertThat(status("c")).isEqualTo("running");
        HullCli.Result again = hull.run("exec", "c", "echo", "still-here");
        assertThat(again.code()).as(again.stderr()).isZero();
        assertThat(again.stdout()).isEqualTo("still-here\n");
        hull.run("delete", "-f", "c").assertOk();
        assertThat(Procs.find(dir, "qemu-system")).isEmpty();
    }

    @Test
    void theCliKilledDuringStartOrDeleteLeavesADeletableContainer() throws Exception {
        hull.run("create", "-b", Bundles.of(dir.resolve("b"), "sleep", "1000").toString(), "c").assertOk();
        Process start = hull.start(null, dir.resolve("start.out"), dir.resolve("start.err"), "start", "c");
        Thread.sleep(150);
        start.destroyForcibly();
        start.waitFor(10, TimeUnit.SECONDS);
        assertThat(status("c")).isIn("created", "running");
        Process delete = hull.start(null, dir.resolve("delete.out"), dir.resolve("delete.err"), "delete", "-f", "c");
        Thread.sleep(150);
        delete.destroyForcibly();
        delete.waitFor(10, TimeUnit.SECONDS);
        if (!status("c").equals("absent")) {
            hull.run("delete", "-f", "c").assertOk();
        }
        assertThat(status("c")).isEqualTo("absent");
        assertThat(Procs.find(dir, "qemu-system")).isEmpty();
        assertThat(Procs.find(dir, "virtiofsd")).isEmpty();
    }

    /** Twenty creates at once, then twenty deletes at once: every one succeeds, and nothing is left. */
    @Test
    void twentyContainersCreatedAndDeletedAtOnce() throws Exception {
        Path bundle = Bundles.of(dir.resolve("b"), "sleep", "1000");
        List<Process> creates = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            creates.add(hull.start(null, dir.resolve("c" + i + ".out"), dir.resolve("c" + i + ".err"), "create", "-b",
                    bundle.toString(), "c" + i));
        }
        for (int i = 0; i < 20; i++) {
            assertThat(creates.get(i).waitFor(240, TimeUnit.SECONDS)).isTrue();
            assertThat(creates.get(i).exitValue()).as(Files.readString(dir.resolve("c" + i + ".err"))).isZero();
            assertThat(status("c" + i)).isEqualTo("created");
        }
        List<Process> deletes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            deletes.add(hull.start(null, dir.resolve("d" + i + ".out"), dir.resolve("d" + i + ".err"), "delete", "-f",
                    "c" + i));
        }
        for (int i = 0; i < 20; i++) {
            assertThat(deletes.get(i).waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(deletes.get(i).exitValue()).as(Files.readString(dir.resolve("d" + i + ".err"))).isZero();
        }
        assertThat(hull.run("list", "-q").stdout()).isEmpty();
        assertThat(Procs.find(dir, "qemu-system")).isEmpty();
    }

    /**
     * The state folder fills up: a new create fails with the reason and leaves nothing; a container
     * created before still starts and stops with a true status (each container keeps a little room of its
     * own for its state).
     */
    @Test
    void aFullStateFolder() throws Exception {
        Path work = Files.createDirectories(dir.resolve("small"));
        Path root = Files.createDirectories(work.resolve("root"));
        assertThat(new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", root.toString())
                .inheritIO().start().waitFor()).isZero();
        try {
            HullCli small = new HullCli(work);
            Path bundle = Bundles.of(dir.resolve("b"), "sh", "-c", "sleep 2; exit 4");
            small.run("create", "-b", bundle.toString(), "before").assertOk();
            Path filler = root.resolve("filler");
            new ProcessBuilder("dd", "if=/dev/zero", "of=" + filler, "bs=4k").redirectErrorStream(true).start()
                    .waitFor();
            HullCli.Result late = small.run("create", "-b", bundle.toString(), "late");
            assertThat(late.code()).isEqualTo(1);
            assertThat(late.stderr().lines().toList()).hasSize(1);
            assertThat(late.stderr()).startsWith("hull: ").contains("No space left on device");
            assertThat(Files.exists(root.resolve("late"))).isFalse();

            HullCli.Result start = small.run("start", "before");
            assertThat(start.code()).as(start.stderr()).isZero();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String state = "";
            while (System.nanoTime() < end && !state.contains("\"stopped\"")) {
                Thread.sleep(200);
                state = small.run("state", "before").stdout();
            }
            assertThat(state).contains("\"stopped\"");
            assertThat(Files.readString(root.resolve("before/state.json"))).contains("\"exitCode\":4");
            small.run("delete", "before").assertOk();
            Files.delete(filler);
        } finally {
            new ProcessBuilder("umount", "-l", root.toString()).inheritIO().start().waitFor();
        }
    }
}
