package dev.hull.shim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Port forwarding is for Kubernetes' pods alone: no other manager calls for it. */
class PortForwarderTest {
    @Test
    void onlyAKubernetesPodsSandboxForwards() {
        assertThat(PortForwarder.wanted(Map.of("io.kubernetes.cri.container-type", "sandbox"))).isTrue();
        assertThat(PortForwarder.wanted(Map.of("io.kubernetes.cri-o.ContainerType", "sandbox"))).isTrue();
        assertThat(PortForwarder.wanted(Map.of("io.kubernetes.cri.container-type", "container"))).isFalse();
        // podman, docker, ctr and a bundle by hand.
        assertThat(PortForwarder.wanted(Map.of("org.opencontainers.image.stopSignal", "15"))).isFalse();
        assertThat(PortForwarder.wanted(Map.of())).isFalse();
    }
}
