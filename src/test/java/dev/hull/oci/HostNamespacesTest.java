package dev.hull.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Which namespace lists ask for a host namespace a VM cannot give (runc: a type left out is the host's). */
class HostNamespacesTest {
    private static Linux of(String... types) {
        return new Linux(Stream.of(types).map(t -> new Linux.Namespace(t, null)).toList(), Map.of());
    }

    @Test
    void eachHostNamespaceIsNamed() {
        assertThat(HostNamespaces.whyNot(of("pid", "ipc", "uts", "mount"))).get().asString()
                .startsWith("linux.namespaces has no network namespace: the container would share the host's network");
        assertThat(HostNamespaces.whyNot(of("network", "ipc", "mount"))).get().asString()
                .startsWith("linux.namespaces has no pid namespace: the container would share the host's processes");
        assertThat(HostNamespaces.whyNot(of("network", "pid", "mount"))).get().asString()
                .startsWith("linux.namespaces has no ipc namespace");
    }

    @Test
    void ownOrJoinedNamespacesAndBareBundlesPass() {
        assertThat(HostNamespaces.whyNot(of("pid", "network", "ipc"))).isEmpty();
        assertThat(HostNamespaces.whyNot(new Linux(List.of(new Linux.Namespace("pid", "/proc/1/ns/pid"),
                new Linux.Namespace("network", "/run/netns/x"), new Linux.Namespace("ipc", null)), Map.of())))
                .isEmpty();
        assertThat(HostNamespaces.whyNot(new Linux(null, null))).isEmpty();
        assertThat(HostNamespaces.whyNot(of())).isEmpty();
    }
}
