package dev.hull.vm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/** What makes two VMs need two templates, and what makes a template stale. */
class TemplateShapeTest {
    @TempDir
    Path dir;

    private VmConfig config(List<String> params, int memory) throws Exception {
        for (String f : List.of("qemu", "vmlinux", "initrd")) {
            if (!Files.exists(dir.resolve(f))) {
                Files.writeString(dir.resolve(f), f);
            }
        }
        return new VmConfig(dir.resolve("qemu"), dir.resolve("vmlinux"), params, dir.resolve("initrd"), memory, 1,
                "tcg");
    }

    @Test
    void theKernelCommandLineRamVolumesAndNicsEachMakeAnotherShape() throws Exception {
        TemplateShape base = TemplateShape.of(config(List.of("quiet"), 256), List.of(), List.of(), 0);
        assertThat(base.kernelParams()).contains("hull.template=1", "hull.share=9p:rootfs", "quiet");
        List<TemplateShape> others = List.of(
                TemplateShape.of(config(List.of("quiet", "x=1"), 256), List.of(), List.of(), 0),
                TemplateShape.of(config(List.of("quiet"), 512), List.of(), List.of(), 0),
                TemplateShape.of(config(List.of("quiet"), 256), List.of("hull.debug=1"), List.of(), 0),
                TemplateShape.of(config(List.of("quiet"), 256), List.of(), List.of(new Share("v0", dir, true)), 0),
                TemplateShape.of(config(List.of("quiet"), 256), List.of(), List.of(), 1));
        for (TemplateShape other : others) {
            assertThat(other.slot()).isNotEqualTo(base.slot());
            assertThat(other.key()).isNotEqualTo(base.key());
        }
        assertThat(TemplateShape.of(config(List.of("quiet"), 256), List.of(), List.of(), 0).key())
                .isEqualTo(base.key());
        // A volume's host folder is the clone's own: only its tag is the template's.
        assertThat(TemplateShape.of(config(List.of("quiet"), 256), List.of(),
                List.of(new Share("v0", dir.resolve("other"), false)), 0).key())
                .isEqualTo(others.get(3).key());
    }

    @Test
    void aRebuiltKernelKeepsTheSlotAndChangesTheKey() throws Exception {
        TemplateShape before = TemplateShape.of(config(List.of("quiet"), 256), List.of(), List.of(), 0);
        String key = before.key();
        Files.setLastModifiedTime(dir.resolve("vmlinux"), FileTime.fromMillis(0));
        assertThat(before.slot()).isEqualTo(TemplateShape.of(config(List.of("quiet"), 256), List.of(), List.of(), 0)
                .slot());
        assertThat(before.key()).isNotEqualTo(key).startsWith(before.slot() + "-");
    }
}
