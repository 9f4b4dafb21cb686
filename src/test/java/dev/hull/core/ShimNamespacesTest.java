package dev.hull.core;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hull.oci.Spec;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where the shim (the container's pid on the host) lives: the namespaces config.json gives it. */
class ShimNamespacesTest {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private static ShimNamespaces of(String namespaces) throws Exception {
        return ShimNamespaces.of(JSON.readValue("{\"linux\":{\"namespaces\":" + namespaces + "}}", Spec.class));
    }

    @Test
    void freshOnesThroughUnshareGivenOnesThroughNsenter() throws Exception {
        assertThat(of("[{\"type\":\"pid\"}]").launchPrefix(true)).isEmpty();
        assertThat(of("[{\"type\":\"network\"}]").launchPrefix(true)).containsExactly("unshare", "--net", "--");
        assertThat(of("[{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"}]").launchPrefix(true))
                .containsExactly("unshare", "--net", "--ipc", "--uts", "--");
        assertThat(of("[{\"type\":\"network\"},{\"type\":\"ipc\"}]").launchPrefix(false)).isEmpty();
        assertThat(of("[{\"type\":\"network\",\"path\":\"/run/netns/x\"},"
                + "{\"type\":\"ipc\",\"path\":\"/proc/7/ns/ipc\"},"
                + "{\"type\":\"uts\"}]").launchPrefix(true))
                .containsExactly("nsenter", "--net=/run/netns/x", "--ipc=/proc/7/ns/ipc", "--", "unshare", "--uts",
                        "--");
    }

    @Test
    void aPathOfAnotherTypeIsAClearError() throws Exception {
        of("[{\"type\":\"ipc\",\"path\":\"/proc/self/ns/ipc\"},"
                + "{\"type\":\"uts\",\"path\":\"/proc/self/ns/uts\"}]").check();
        assertThatThrownBy(() -> of("[{\"type\":\"ipc\",\"path\":\"/proc/self/ns/uts\"}]").check())
                .hasMessageContaining("cannot enter the ipc namespace /proc/self/ns/uts")
                .hasMessageContaining("not an ipc namespace");
        assertThatThrownBy(() -> of("[{\"type\":\"uts\",\"path\":\"/proc/self/ns/net\"}]").check())
                .hasMessageContaining("not a uts namespace");
        of("[{\"type\":\"cgroup\",\"path\":\"/proc/self/ns/cgroup\"}]").check();
        assertThatThrownBy(() -> of("[{\"type\":\"cgroup\",\"path\":\"/proc/self/ns/ipc\"}]").check())
                .hasMessage("cannot enter the cgroup namespace /proc/self/ns/ipc (linux.namespaces in config.json):"
                        + " not a cgroup namespace");
    }
}
