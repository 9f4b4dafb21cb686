package dev.hull.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hull.error.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** linux.cgroupsPath's forms, and the hierarchies a host mounts. */
class HostCgroupTest {
    @Test
    void cgroupfsAndSystemdForms() throws Exception {
        assertThat(HostCgroup.relative("/docker/abc", "x")).isEqualTo("docker/abc");
        assertThat(HostCgroup.relative(null, "x")).isEqualTo("x");
        assertThat(HostCgroup.relative("system.slice:docker:abc", "x")).isEqualTo("system.slice/docker-abc.scope");
        assertThat(HostCgroup.relative("kubepods-besteffort-pod12.slice:cri-containerd:abc", "x"))
                .isEqualTo("kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice"
                        + "/cri-containerd-abc.scope");
        assertThatThrownBy(() -> HostCgroup.relative("/a/../../etc", "x")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("leaves the cgroup tree");
    }

    @Test
    void eachHierarchyOnceWithItsControllers() {
        String mountinfo = """
                31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
                32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
                35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
                40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
                41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
                99 31 0:32 / /elsewhere/memory rw,relatime - cgroup cgroup rw,memory
                """;
        var h = HostCgroup.hierarchies(mountinfo);
        assertThat(h).extracting(HostCgroup.Hierarchy::mount).containsExactly(Path.of("/sys/fs/cgroup/cpu,cpuacct"),
                Path.of("/sys/fs/cgroup/memory"), Path.of("/sys/fs/cgroup/systemd"), Path.of("/sys/fs/cgroup/unified"));
        assertThat(h.get(0).current("2:cpu,cpuacct:/user.slice\n4:memory:/m\n0::/u")).isEqualTo("/user.slice");
        assertThat(h.get(3).current("2:cpu,cpuacct:/user.slice\n4:memory:/m\n0::/u")).isEqualTo("/u");
    }

    @Test
    void theRecordSurvivesItsFile() {
        HostCgroup c = new HostCgroup(List.of(new HostCgroup.Place(Path.of("/sys/fs/cgroup/memory/d/x"),
                Path.of("/sys/fs/cgroup/memory"))));
        assertThat(HostCgroup.fromLines(c.lines())).isEqualTo(c);
    }

    /** docker run --cpuset-cpus 0-1 --cpus 0.5: docker's period of 0 is unset, the set is the host's as given. */
    @Test
    void theLimitsAreWrittenAsRuncWouldWriteThem(@TempDir Path dir) throws Exception {
        for (String file : List.of("cpu.max", "cpuset.cpus", "cpuset.mems")) {
            Files.writeString(dir.resolve(file), "");
        }
        var cgroup = new HostCgroup(List.of(new HostCgroup.Place(dir, dir.getParent())));
        cgroup.limit(new ObjectMapper().readTree("{\"cpu\":{\"quota\":50000,\"period\":0,\"cpus\":\"0-1\","
                + "\"mems\":\"0\"}}"), 256L << 20);
        assertThat(Files.readString(dir.resolve("cpu.max"))).isEqualTo("50000 100000");
        assertThat(Files.readString(dir.resolve("cpuset.cpus"))).isEqualTo("0-1");
        assertThat(Files.readString(dir.resolve("cpuset.mems"))).isEqualTo("0");
    }

    private static final String WEIGHTS = "{\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\","
            + "\"priority\":500}]},\"blockIO\":{\"weight\":500,\"leafWeight\":300,\"weightDevice\":[{\"major\":8,"
            + "\"minor\":0,\"weight\":700,\"leafWeight\":200}]}}";

    private static Path limited(Path dir, String... files) throws Exception {
        for (String file : files) {
            Files.writeString(dir.resolve(file), "");
        }
        new HostCgroup(List.of(new HostCgroup.Place(dir, dir.getParent()))).limit(new ObjectMapper().readTree(WEIGHTS),
                256L << 20);
        return dir;
    }

    /** podman run --blkio-weight 500 --blkio-weight-device /dev/sda:700 (and a net_cls class, net_prio map). */
    @Test
    void networkClassesAndBlockIoWeightsAreWrittenAsRuncWritesThemOnV1(@TempDir Path dir) throws Exception {
        Path v1 = limited(dir, "net_cls.classid", "net_prio.ifpriomap", "blkio.weight", "blkio.leaf_weight",
                "blkio.weight_device", "blkio.leaf_weight_device");
        assertThat(Files.readString(v1.resolve("net_cls.classid"))).isEqualTo("1048577");
        assertThat(Files.readString(v1.resolve("net_prio.ifpriomap"))).isEqualTo("eth0 500");
        assertThat(Files.readString(v1.resolve("blkio.weight"))).isEqualTo("500");
        assertThat(Files.readString(v1.resolve("blkio.leaf_weight"))).isEqualTo("300");
        assertThat(Files.readString(v1.resolve("blkio.weight_device"))).isEqualTo("8:0 700");
        assertThat(Files.readString(v1.resolve("blkio.leaf_weight_device"))).isEqualTo("8:0 200");
    }

    @Test
    void underBfqTheWeightsGoToBfqsFiles(@TempDir Path dir) throws Exception {
        Path v1 = Files.createDirectory(dir.resolve("v1"));
        limited(v1, "blkio.bfq.weight", "blkio.bfq.weight_device");
        assertThat(Files.readString(v1.resolve("blkio.bfq.weight"))).isEqualTo("500");
        assertThat(Files.readString(v1.resolve("blkio.bfq.weight_device"))).isEqualTo("8:0 700");
        Path v2 = Files.createDirectory(dir.resolve("v2"));
        limited(v2, "io.bfq.weight", "io.weight");
        // The last write, as the file holds it here; the kernel keeps the default and the device's apart.
        assertThat(Files.readString(v2.resolve("io.bfq.weight"))).isEqualTo("8:0 700");
        assertThat(Files.readString(v2.resolve("io.weight"))).isEmpty();
    }

    @Test
    void withoutBfqV2TakesTheWeightOnItsOwnScale(@TempDir Path dir) throws Exception {
        Path v2 = limited(dir, "io.weight");
        assertThat(Files.readString(v2.resolve("io.weight"))).isEqualTo(Long.toString(1 + (500 - 10) * 9999 / 990));
    }

    @Test
    void aPriorityForNoInterfaceNameIsRefused(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("net_prio.ifpriomap"), "");
        var cgroup = new HostCgroup(List.of(new HostCgroup.Place(dir, dir.getParent())));
        assertThatThrownBy(() -> cgroup.limit(new ObjectMapper().readTree(
                "{\"network\":{\"priorities\":[{\"name\":\"eth0 1\\nlo\",\"priority\":5}]}}"), 1))
                .hasMessageContaining("is no interface name");
    }
}
