package dev.hull.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

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

    @AfterEach
    void nothingLeftBehind() {
        assertThat(Leftovers.killAll(dir)).as("processes left behind").isEmpty();
    }

    /** The container's status as `state` says, or "absent" when it does not exist. */
    protected String status(String id) throws Exception {
        HullCli.Result r = hull.run("state", id);
        return r.code() == 0 ? Bundles.JSON.readTree(r.stdout()).get("status").asText() : "absent";
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
