package dev.hull.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hull.error.BadInputException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HypervisorArgsTest {
    @Test
    void oneArgumentPerLineWithCommentsAndTags() throws Exception {
        var args = HypervisorArgs.parse("test.args", "# comment\n-m\n\n@MEMORY@\n  -kernel  \n@KERNEL@\n");
        assertThat(args.expand(Map.of("MEMORY", "256M", "KERNEL", "/k")))
                .containsExactly("-m", "256M", "-kernel", "/k");
    }

    @Test
    void tagsInsideAnArgumentAreExpanded() throws Exception {
        var args = HypervisorArgs.parse("x", "unix:@COMMS_SOCKET@,server=on");
        assertThat(args.expand(Map.of("COMMS_SOCKET", "/run/q$1.sock")))
                .containsExactly("unix:/run/q$1.sock,server=on");
    }

    @Test
    void anUnknownTagNamesTheTagAndTheFile() {
        var args = HypervisorArgs.parse("/etc/hull/hypervisor.args", "-name\n@NAEM@\n");
        assertThatThrownBy(() -> args.expand(Map.of("NAME", "x"))).isInstanceOf(BadInputException.class)
                .hasMessage("unknown tag @NAEM@ in /etc/hull/hypervisor.args");
    }

    @Test
    void theBuiltInTemplatesUseOnlyKnownTags() throws Exception {
        Map<String, String> tags = new HashMap<>();
        for (String t : List.of("NAME", "UUID", "ACCEL", "MEMORY", "CPUS", "KERNEL", "INITRD", "KERNEL_PARAMS",
                "CONSOLE_DEVICE", "CONSOLE_LOG", "COMMS_SOCKET", "AGENT_SOCKET", "WORKLOAD_DIR", "WORKLOAD_READONLY",
                "VIRTIOFS_SOCKET")) {
            tags.put(t, "v");
        }
        assertThat(HypervisorArgs.builtIn(true).expand(tags)).contains("-no-reboot", "-kernel")
                .contains("vhost-user-fs-device,chardev=workload,tag=rootfs").noneMatch(a -> a.contains("@"));
        assertThat(HypervisorArgs.builtIn(false).expand(tags)).contains("-no-reboot", "-kernel")
                .contains("virtio-9p-device,fsdev=workload,mount_tag=rootfs").noneMatch(a -> a.contains("@"));
    }

    @Test
    void theTagsATemplateUsesSayWhatRunsBesideQemu() {
        assertThat(HypervisorArgs.builtIn(true).uses("VIRTIOFS_SOCKET")).isTrue();
        assertThat(HypervisorArgs.builtIn(false).uses("VIRTIOFS_SOCKET")).isFalse();
        // A comment naming the tag is not a use.
        assertThat(HypervisorArgs.parse("f", "# @VIRTIOFS_SOCKET@\n-name\nx\n").uses("VIRTIOFS_SOCKET")).isFalse();
    }
}
