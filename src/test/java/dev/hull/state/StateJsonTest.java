package dev.hull.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateJsonTest {
    @Test
    void everyFieldSurvivesAWriteAndARead() throws Exception {
        var full = new ContainerState("1.2.0", "c", Status.STOPPED, 42, "/b", "/b/rootfs", "2026-01-01T00:00:00Z",
                1000, Map.of("k", "v", "k2", ""), 1795922899750L, 43, "/run/c", 137,
                new ContainerState.VmInfo("/usr/bin/qemu", "/k", "/i", "/img", 256, 2, "kvm", "virtiofs", "c"));
        assertThat(StateJson.read(StateJson.write(full))).isEqualTo(full);
        var sparse = new ContainerState("1.2.0", "c", Status.CREATING, 0, "/b", "/b/rootfs", "t", 0, Map.of(), 0, 0,
                null, null, null);
        assertThat(StateJson.read(StateJson.write(sparse))).isEqualTo(sparse);
    }

    /** What the record binding of earlier Hulls wrote (a live container's file survives an upgrade). */
    @Test
    void readsTheFilesEarlierHullsWrote() throws Exception {
        String old = """
                {"ociVersion":"1.2.0","id":"cs3","status":"created","pid":11748,"bundle":"/tmp/fg",\
                "rootfs":"/tmp/fg/rootfs","created":"2026-11-29T03:28:20.147463181Z","owner":0,"annotations":{},\
                "shimStarted":1795922899750,"qemuPid":11764,"runDir":"/run/c/cs3","unknown":[1],\
                "vm":{"hypervisor":"/usr/bin/qemu-system-x86_64","kernel":"/k","initrd":"/i","image":null,\
                "memoryMiB":256,"cpus":1,"accel":"tcg"}}""";
        assertThat(StateJson.read(old.getBytes(StandardCharsets.UTF_8))).isEqualTo(new ContainerState("1.2.0", "cs3",
                Status.CREATED, 11748, "/tmp/fg", "/tmp/fg/rootfs", "2026-11-29T03:28:20.147463181Z", 0, Map.of(),
                1795922899750L, 11764, "/run/c/cs3", null,
                new ContainerState.VmInfo("/usr/bin/qemu-system-x86_64", "/k", "/i", null, 256, 1, "tcg", "9p", null)));
    }

    @Test
    void aFileThatIsNoObjectIsAnError() {
        assertThatThrownBy(() -> StateJson.read("[1]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessageContaining("not a JSON object");
    }
}
