package dev.hull.net;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hull.oci.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
}
