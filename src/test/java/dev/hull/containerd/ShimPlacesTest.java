package dev.hull.containerd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ShimPlacesTest {
    private final ShimPlaces places = new ShimPlaces(Path.of("/run/hull-v2"));

    @Test
    void onePodOneSocketWhateverAsks() {
        Path a = places.socket("/run/containerd/containerd.sock", "k8s.io", "sandbox1");
        assertThat(places.socket("/run/containerd/containerd.sock", "k8s.io", "sandbox1")).isEqualTo(a);
        assertThat(a.getParent()).isEqualTo(Path.of("/run/hull-v2/s"));
        assertThat(a.toString().length()).as("a unix socket's path has at most 107 bytes").isLessThan(108);
    }

    @Test
    void anotherContainerdOrNamespaceOrPodHasItsOwn() {
        Path a = places.socket("/run/containerd/containerd.sock", "k8s.io", "p");
        assertThat(places.socket("/tmp/other/containerd.sock", "k8s.io", "p")).isNotEqualTo(a);
        assertThat(places.socket("/run/containerd/containerd.sock", "default", "p")).isNotEqualTo(a);
        assertThat(places.socket("/run/containerd/containerd.sock", "k8s.io", "q")).isNotEqualTo(a);
    }

    @Test
    void eachNamespaceIsAStateRootOfItsOwn() {
        assertThat(places.store("k8s.io").root()).isEqualTo(Path.of("/run/hull-v2/ns/k8s.io"));
    }
}
