package dev.hull.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hull.testing.TestAssets;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shim JVM's flags are written twice (HullJvm, and bin/hull for the v2 shim's own JVM): the same. */
class HullJvmTest {
    @Test
    void binHullGivesTheV2ShimJvmTheFlagsShimLauncherGivesAShim() throws Exception {
        Process p = new ProcessBuilder(TestAssets.projectDir().resolve("bin/hull").toString(), "--print-shim-jvm-flags")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(List.of(out.split("\\s+"))).isEqualTo(HullJvm.SHIM_FLAGS);
    }
}
