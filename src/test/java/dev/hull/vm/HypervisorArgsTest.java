package dev.hull.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HypervisorArgsTest {
    @Test
    void oneArgumentPerLineWithCommentsAndTags() {
        var args = HypervisorArgs.parse("test.args", "# comment\n-m\n\n@MEMORY@\n  -kernel  \n@KERNEL@\n");
        assertThat(args.expand(Map.of("MEMORY", "256M", "KERNEL", "/k")))
                .containsExactly("-m", "256M", "-kernel", "/k");
    }

    @Test
    void tagsInsideAnArgumentAreExpanded() {
        var args = HypervisorArgs.parse("x", "unix:@COMMS_SOCKET@,server=on");
        assertThat(args.expand(Map.of("COMMS_SOCKET", "/run/q$1.sock"))).containsExactly("unix:/run/q$1.sock,server=on");
    }

    @Test
    void anUnknownTagNamesTheTagAndTheFile() {
        var args = HypervisorArgs.parse("/etc/hull/hypervisor.args", "-name\n@NAEM@\n");
        assertThatThrownBy(() -> args.expand(Map.of("NAME", "x")))
                .hasMessage("unknown tag @NAEM@ in /etc/hull/hypervisor.args");
    }

    @Test
    void theBuiltInTemplateUsesOnlyKnownTags() {
        Map<String, String> tags = new HashMap<>();
        for (String t : List.of("NAME", "UUID", "ACCEL", "MEMORY", "CPUS", "KERNEL", "INITRD", "KERNEL_PARAMS",
                "CONSOLE_DEVICE", "COMMS_SOCKET", "AGENT_SOCKET", "WORKLOAD_DIR")) {
            tags.put(t, "v");
        }
        assertThat(HypervisorArgs.builtIn().expand(tags)).contains("-no-reboot", "-kernel").doesNotContain("@");
    }
}
