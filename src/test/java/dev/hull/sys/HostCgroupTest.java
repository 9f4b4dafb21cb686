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
}
