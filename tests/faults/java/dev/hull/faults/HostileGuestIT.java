package dev.hull.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullCli;
import dev.hull.testing.HullTest;
import dev.hull.testing.TestAssets;
import dev.hull.vm.VmConfig;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A guest that is not Hull's agent speaks on the agent's port (tests/fixtures/hostile-initrd.sh): random
 * bytes, a header announcing a 4 GiB frame, a well-formed hello and then garbage, a flood of events.
 * `create` fails with one clear line, the host process stays bounded (no heap's worth of a frame is
 * read), and nothing is left (HullTest checks the processes).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HostileGuestIT extends HullTest {

    private Path initrd() throws Exception {
        Path img = dir.resolve("hostile.img");
        Process p = new ProcessBuilder("bash",
                TestAssets.projectDir().resolve("tests/fixtures/hostile-initrd.sh").toString(), img.toString())
                .inheritIO().start();
        assertThat(p.waitFor()).isZero();
        return img;
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "huge", "hello", "flood"})
    void createFailsClearlyAndLeavesNothing(String mode) throws Exception {
        ObjectNode c = Bundles.config("true");
        ObjectNode vm = c.putObject("vm");
        vm.put("bootTimeout", 20);
        vm.put("initrd", initrd().toString());
        vm.putObject("kernel").put("parameters", String.join(" ", VmConfig.DEFAULT_KERNEL_PARAMS) + " hull.hostile="
                + mode);
        Path bundle = Bundles.write(dir.resolve("bundle"), c);
        long t0 = System.nanoTime();
        HullCli.Result r = hull.run("create", "-b", bundle.toString(), "hostile");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        assertThat(r.code()).as(mode + ": " + r.stderr()).isEqualTo(1);
        assertThat(r.stderr().lines().toList()).as(mode).hasSize(1);
        assertThat(r.stderr()).as(mode).startsWith("hull: ");
        assertThat(status("hostile")).as(mode).isEqualTo("absent");
        System.out.println("hostile guest '" + mode + "': create failed after " + seconds + " s: "
                + r.stderr().strip());
    }
}
