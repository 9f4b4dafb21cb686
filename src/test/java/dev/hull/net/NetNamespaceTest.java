package dev.hull.net;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hull.oci.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetNamespaceTest {
    /** Binds a Spec from a line of JSON (the records keep their Jackson annotations). */
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @TempDir
    Path dir;

    private static Spec spec(String namespaces) throws Exception {
        return JSON.readValue("{\"linux\":{\"namespaces\":" + namespaces + "}}", Spec.class);
    }

    @Test
    void aPathThatIsNoNetworkNamespaceIsAClearError() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-namespace"), "x");
        assertThatThrownBy(() -> NetNamespace.of(spec("[{\"type\":\"network\",\"path\":\"" + file + "\"}]")).check())
                .hasMessageContaining("cannot enter the network namespace " + file)
                .hasMessageContaining("not a network namespace");
        assertThatThrownBy(() -> NetNamespace.of(spec("[{\"type\":\"network\",\"path\":\"/nonexistent/ns\"}]")).check())
                .hasMessageContaining("No such file or directory");
        assertThatThrownBy(() -> NetNamespace.of(
                spec("[{\"type\":\"network\",\"path\":\"/proc/self/ns/pid\"}]")).check())
                .hasMessageContaining("not a network namespace");
    }

    @Test
    void theCallersOwnNamespaceCanBeEntered() throws Exception {
        NetNamespace.of(spec("[{\"type\":\"network\",\"path\":\"/proc/self/ns/net\"}]")).check();
    }

    /**
     * A view of a namespace that is the host's, or else one whose interfaces cannot be read; {@code asked}:
     * false fails the test on any question.
     */
    private static NetnsView view(boolean asked, boolean host) {
        return new NetnsView() {
            @Override
            public boolean isHosts(Path ns) {
                assertThat(asked).as("asked about " + ns).isTrue();
                return host;
            }

            @Override
            public List<Proc> processes(Path ns) {
                return List.of();
            }

            @Override
            public OptionalLong parent(long pid) {
                return OptionalLong.empty();
            }

            @Override
            public List<Iface> interfaces(Path ns) throws NetException {
                throw new NetException("'ip -d -j link show' failed: boom");
            }
        };
    }

    @Test
    void aNamespaceNotHullsToTakeOverIsAnErrorNamingTheFieldThePathAndWhy() {
        assertThatThrownBy(() -> NetNamespace.of(spec("[{\"type\":\"network\",\"path\":\"/x/net\"}]"))
                .checkOwned(view(true, true), Set.of()))
                .hasMessageStartingWith("cannot take over the network namespace /x/net"
                        + " (linux.namespaces in config.json): it is the host's network namespace;");
        assertThatThrownBy(() -> NetNamespace.of(spec("[{\"type\":\"network\",\"path\":\"/x/net\"}]"))
                .checkOwned(view(true, false), Set.of()))
                .hasMessage("cannot read the network namespace /x/net (linux.namespaces in config.json):"
                        + " 'ip -d -j link show' failed: boom");
    }

    @Test
    void noNamespaceOrAFreshOneIsHullsWithoutLooking() throws Exception {
        NetNamespace.of(spec("[]")).checkOwned(view(false, true), Set.of());
        NetNamespace.of(spec("[{\"type\":\"network\"}]")).checkOwned(view(false, true), Set.of());
    }
}
