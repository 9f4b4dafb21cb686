package dev.hull.shim;

import dev.hull.error.BadInputException;
import dev.hull.oci.Mount;
import dev.hull.sys.Mounts;
import dev.hull.vm.Share;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

class VolumesTest {
    @TempDir
    Path dir;

    @Test
    void singleFilesAreStagedNotSharedWithTheirFolder() throws Exception {
        Path userdata = Files.createDirectory(dir.resolve("userdata"));
        Files.writeString(userdata.resolve("hosts"), "127.0.0.1 localhost\n");
        Files.writeString(userdata.resolve("resolv.conf"), "nameserver 1.1.1.1\n");
        Path staging = dir.resolve("run/files");
        Volumes v = Volumes.plan(List.of(
                new Mount("/etc/hosts", "bind", userdata.resolve("hosts").toString(), List.of("rbind", "rw")),
                new Mount("/etc/resolv.conf", "bind", userdata.resolve("resolv.conf").toString(),
                        List.of("rbind", "ro"))),
                0, staging);
        assertThat(v.shares()).hasSize(1);
        assertThat(v.shares().get(0).hostDir()).isEqualTo(staging);
        assertThat(v.shares().get(0).readonly()).as("one of them is rw").isFalse();
        assertThat(v.mounts().get(0).source()).isEqualTo("/run/hull/vol/vf/f0-hosts");
        assertThat(v.mounts().get(1).source()).isEqualTo("/run/hull/vol/vf/f1-resolv.conf");
        v.stage();
        assertThat(staging.resolve("f0-hosts")).exists().isEmptyFile();
        List<String> prefix = v.qemuPrefix(List.of("nsenter", "--net=/x", "--"));
        assertThat(prefix).startsWith("nsenter", "--net=/x", "--", "unshare", "--mount").endsWith(
                userdata.resolve("hosts").toString(), staging.resolve("f0-hosts").toString(),
                userdata.resolve("resolv.conf").toString(), staging.resolve("f1-resolv.conf").toString(), "--");
    }

    /**
     * podman's /dev/shm, a tmpfs it mounts (the host's own /dev/shm here), becomes a guest tmpfs of its size
     * and mode; a folder inside a tmpfs is no manager's /dev/shm and stays a share.
     */
    @Test
    void aTmpfsBoundOnDevShmBecomesAGuestTmpfsOfItsSize() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeThat(Files.isDirectory(shm) && "tmpfs".equals(Files.getFileStore(shm).type())
                && Mounts.under(shm).contains(shm)).as("the host's /dev/shm is a tmpfs mount").isTrue();
        Volumes v = Volumes.plan(List.of(
                new Mount("/dev/shm", "bind", shm.toString(), List.of("bind", "rprivate", "nosuid", "noexec"))));
        assertThat(v.shares()).isEmpty();
        assertThat(v.mounts()).containsExactly(new Mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec",
                "mode=1777", "size=" + Files.getFileStore(shm).getTotalSpace())));
        Path inside = Files.createTempDirectory(shm, "hull-volumes-test");
        try {
            Volumes folder = Volumes.plan(List.of(new Mount("/dev/shm", "bind", inside.toString(), List.of("rbind"))));
            assertThat(folder.mounts().get(0).type()).isEqualTo("bind");
            assertThat(folder.shares()).hasSize(1);
        } finally {
            Files.delete(inside);
        }
    }

    @Test
    void kernelFileSystemsPassAndBindsBecomeShares() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        Path userdata = Files.createDirectory(dir.resolve("userdata"));
        Files.writeString(userdata.resolve("hosts"), "127.0.0.1 localhost\n");
        Files.writeString(userdata.resolve("hostname"), "c\n");
        Volumes v = Volumes.plan(List.of(
                new Mount("/proc", "proc", "proc", List.of("nosuid")),
                new Mount("/data", "bind", data.toString(), List.of("rbind", "rw")),
                new Mount("/etc/hosts", "bind", userdata.resolve("hosts").toString(), List.of("bind", "ro")),
                new Mount("/etc/hostname", null, userdata.resolve("hostname").toString(), List.of("rbind", "ro"))));
        assertThat(v.mounts().get(0)).isEqualTo(new Mount("/proc", "proc", "proc", List.of("nosuid")));
        assertThat(v.mounts().get(1).source()).isEqualTo("/run/hull/vol/v0");
        assertThat(v.mounts().get(2).source()).isEqualTo("/run/hull/vol/v1/hosts");
        assertThat(v.mounts().get(3).source()).isEqualTo("/run/hull/vol/v1/hostname");
        assertThat(v.mounts().get(3).type()).isEqualTo("bind");
        assertThat(v.shares()).hasSize(2);
        assertThat(v.shares().get(0).readonly()).isFalse();
        assertThat(v.shares().get(1).readonly()).as("every use of userdata is ro").isTrue();
        assertThat(v.shares().get(1).qemuArgs()).contains("virtio-9p-device,fsdev=v1,mount_tag=v1");
    }

    @Test
    void tooManyFoldersIsAClearError() throws Exception {
        List<Mount> mounts = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            mounts.add(new Mount("/m" + i, "bind", Files.createDirectory(dir.resolve("d" + i)).toString(), null));
        }
        assertThatThrownBy(() -> Volumes.plan(mounts)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("at most 6");
    }

    @Test
    void networkInterfacesTakeSlotsToo() throws Exception {
        List<Mount> mounts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            mounts.add(new Mount("/m" + i, "bind", Files.createDirectory(dir.resolve("n" + i)).toString(), null));
        }
        assertThat(Volumes.plan(mounts, 1, null).shares()).hasSize(5);
        assertThatThrownBy(() -> Volumes.plan(mounts, 2, null)).hasMessageContaining("binds 5 host folders")
                .hasMessageContaining("has 2 interface(s)").hasMessageContaining("at most 6 (folders and interfaces");
    }

    @Test
    void commasInPathsAreEscapedForQemu() {
        assertThat(new Share("v0", Path.of("/a,b"), false).qemuArgs().get(1)).contains("path=/a,,b,");
    }
}
