package dev.hull.testing;

import dev.hull.sys.Mounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every CLI test against real VMs shares: a folder of its own with a state root, and the check,
 * after every test including failed ones, that no qemu, shim or relay of it is left running.
 */
public abstract class HullTest {
    @TempDir
    protected Path dir;

    protected HullCli hull;

    @BeforeEach
    void newHull() throws Exception {
        hull = new HullCli(dir);
    }

    /**
     * After a failed test: what Hull logged (the state root goes with the folder), and no bind of a pod's
     * share left mounted for the folder's removal to walk through.
     */
    @AfterEach
    void nothingLeftBehind() throws Exception {
        var left = Leftovers.killAll(dir);
        var mounts = Mounts.under(dir);
        if (!left.isEmpty() || !mounts.isEmpty()) {
            Path log = hull.root().resolve("hull.log");
            if (Files.exists(log)) {
                var lines = Files.readAllLines(log);
                System.out.println("hull.log of a test that left processes or mounts behind:");
                lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(System.out::println);
            }
            Thread.sleep(200);
            Mounts.detachUnder(dir);
        }
        assertThat(left).as("processes left behind").isEmpty();
        assertThat(mounts).as("mounts left behind").isEmpty();
    }

    /** The container's status as `state` says, or "absent" when it does not exist. */
    protected String status(String id) throws Exception {
        HullCli.Result r = hull.run("state", id);
        return r.code() == 0 ? Bundles.JSON.readTree(r.stdout()).get("status").asText() : "absent";
    }

    /**
     * The VM owner of container {@code id} (the shim's JVM, which qemu and virtiofsd are children of): not the
     * container's pid, which is its anchor.
     */
    protected ProcessHandle vmOwner(String id) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(c -> c.contains(" shim ")
                && c.contains(dir.toString()) && c.endsWith(" " + id)).orElse(false)).findFirst()
                .orElseThrow(() -> new AssertionError("no VM owner of " + id));
    }

    protected static void waitFor(Duration max, Callable<Boolean> condition) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within " + max);
            }
            Thread.sleep(100);
        }
    }

    protected void awaitStatus(String id, String wanted) throws Exception {
        waitFor(Duration.ofSeconds(60), () -> status(id).equals(wanted));
    }
}
