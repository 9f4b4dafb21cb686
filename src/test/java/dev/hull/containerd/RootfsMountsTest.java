package dev.hull.containerd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hull.containerd.api.types.Mount;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RootfsMountsTest {
    private static final Path ROOTFS = Path.of("/b/rootfs");

    @Test
    void anOverlayAsContainerdsSnapshotterGivesIt() {
        Mount m = Mount.newBuilder().setType("overlay").setSource("overlay")
                .addAllOptions(List.of("index=off", "workdir=/s/2/work", "upperdir=/s/2/fs", "lowerdir=/s/1/fs"))
                .build();
        assertThat(RootfsMounts.command(m, ROOTFS)).containsExactly("mount", "-t", "overlay", "-o",
                "index=off,workdir=/s/2/work,upperdir=/s/2/fs,lowerdir=/s/1/fs", "overlay", "/b/rootfs");
    }

    @Test
    void aBindOfANativeSnapshotHasNoType() {
        Mount m = Mount.newBuilder().setType("bind").setSource("/s/3/fs").addAllOptions(List.of("rbind", "rw"))
                .build();
        assertThat(RootfsMounts.command(m, ROOTFS)).containsExactly("mount", "-o", "rbind,rw", "/s/3/fs",
                "/b/rootfs");
    }
}
