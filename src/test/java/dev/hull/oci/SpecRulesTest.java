package dev.hull.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What runc refuses before it makes anything (namespace types, rlimits) and what it only warns about. */
class SpecRulesTest {
    private static Process withCaps(List<String> bounding) {
        return new Process(false, null, null, List.of("true"), List.of(), "/", null, false,
                new Process.Capabilities(bounding, List.of("CAP_KILL"), null, null, null), null);
    }

    @Test
    void unknownCapabilitiesAreAWarningAsWithRunc() {
        assertThat(SpecRules.check(withCaps(List.of("CAP_KILL", "CAP_BPF")), "process")).isEmpty();
        assertThat(SpecRules.warnings(withCaps(List.of("CAP_KILL", "CAP_BPF")))).isEmpty();
        assertThat(SpecRules.check(withCaps(List.of("CAP_KILL", "CAP_FLY")), "process")).isEmpty();
        assertThat(SpecRules.warnings(withCaps(List.of("CAP_TEST", "CAP_KILL", "CAP_FLY", "CAP_TEST"))))
                .containsExactly("ignoring unknown or unavailable capabilities: [CAP_FLY CAP_TEST]");
        assertThat(SpecRules.warnings(null)).isEmpty();
        assertThat(SpecRules.CAPABILITIES).hasSize(41);
    }

    @Test
    void rlimitsAreKnownAndSoftIsNotAboveHard() {
        Process p = new Process(false, null, null, List.of("true"), List.of(), "/",
                List.of(new Process.Rlimit("RLIMIT_NOFILE", 10, 20)), false);
        assertThat(SpecRules.check(p, "process"))
                .contains("process.rlimits: RLIMIT_NOFILE soft limit 20 is above its hard limit 10");
        p = new Process(false, null, null, List.of("true"), List.of(), "/",
                List.of(new Process.Rlimit("RLIMIT_WINGS", 1, 1)), false);
        assertThat(SpecRules.check(p, "process")).contains("process.rlimits: unknown rlimit type \"RLIMIT_WINGS\"");
    }

    @Test
    void argumentsAndEnvironmentFitTheAgentsRequests() {
        Process big = new Process(false, null, null, List.of("true", "x".repeat(SpecRules.MAX_ARGS_AND_ENV)),
                List.of(), "/", null, false);
        assertThat(SpecRules.check(big, "process")).get().asString().startsWith("process.args and process.env take ");
        Process fine = new Process(false, null, null, List.of("true"), List.of("A=" + "x".repeat(100_000)), "/",
                null, false);
        assertThat(SpecRules.check(fine, "process")).isEmpty();
    }

    @Test
    void namespaceTypesAreKnownAndGivenOnce() {
        Spec ok = new Spec("1.2.0", Process.of("true"), null, null, null, null, null, null,
                new Linux(List.of(new Linux.Namespace("pid", null), new Linux.Namespace("network", "/x")), Map.of()));
        assertThat(SpecRules.check(ok)).isEmpty();
        Spec bad = new Spec("1.2.0", Process.of("true"), null, null, null, null, null, null,
                new Linux(List.of(new Linux.Namespace("pdi", null)), Map.of()));
        assertThat(SpecRules.check(bad)).contains("linux.namespaces: unknown namespace type \"pdi\"");
        Spec twice = new Spec("1.2.0", Process.of("true"), null, null, null, null, null, null,
                new Linux(List.of(new Linux.Namespace("ipc", null), new Linux.Namespace("ipc", null)), Map.of()));
        assertThat(SpecRules.check(twice)).contains("linux.namespaces: \"ipc\" is given twice");
    }
}
