package dev.hull.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleTest {
    @TempDir
    Path dir;

    private Path config(String json) throws Exception {
        Files.createDirectories(dir.resolve("rootfs"));
        Files.writeString(dir.resolve("config.json"), json);
        return dir;
    }

    @Test
    void aMinimalBundleLoads() throws Exception {
        Bundle b = Bundle.load(config("""
                {"ociVersion":"1.2.0","process":{"args":["echo","hi"],"cwd":"/","user":{"uid":1000,"gid":1000}},
                 "root":{"path":"rootfs","readonly":true},"hostname":"h","linux":{"namespaces":[]}}"""));
        assertThat(b.rootfs()).isEqualTo(dir.resolve("rootfs"));
        assertThat(b.spec().process().args()).containsExactly("echo", "hi");
        assertThat(b.spec().process().user().uid()).isEqualTo(1000);
        assertThat(b.spec().root().readonly()).isTrue();
    }

    @Test
    void errorsSayWhatIsWrongAndWhere() throws Exception {
        assertThatThrownBy(() -> Bundle.load(dir.resolve("none"))).hasMessageContaining("is not a directory");
        assertThatThrownBy(() -> Bundle.load(dir)).hasMessageContaining("config.json does not exist");
        assertThatThrownBy(() -> Bundle.load(config("{\"process\": [")))
                .hasMessageContaining("not a valid OCI config").hasMessageContaining("line 1");
        assertThatThrownBy(() -> Bundle.load(config("{\"process\":{\"args\":\"ls\"}}")))
                .hasMessageContaining("not a valid OCI config: process.args must be an array of strings");
        assertThatThrownBy(() -> Bundle.load(config("")))
                .hasMessageContaining("is empty");
        assertThatThrownBy(() -> Bundle.load(config("{\"root\":{\"path\":\"rootfs\"}}")))
                .hasMessageContaining("no \"process\"");
        assertThatThrownBy(() -> Bundle.load(config("{\"process\":{\"args\":[\"x\"]}}")))
                .hasMessageContaining("no \"root\"");
        assertThatThrownBy(() -> Bundle.load(config("{\"process\":{\"args\":[]},\"root\":{\"path\":\"rootfs\"}}")))
                .hasMessageContaining("process.args is empty");
        assertThatThrownBy(() -> Bundle.load(config("{\"process\":{\"args\":[\"x\"]},\"root\":{\"path\":\"gone\"}}")))
                .hasMessageContaining(dir.resolve("gone").toString());
    }
}
