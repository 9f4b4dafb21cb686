package dev.hull.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hull.error.BadInputException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ShimFlagsTest {
    @Test
    void startAsContainerd16RunsIt() throws Exception {
        ShimFlags f = ShimFlags.parse("-namespace", "k8s.io", "-address", "/run/containerd/containerd.sock",
                "-publish-binary", "/usr/bin/containerd", "-id", "abc", "start");
        assertThat(f).isEqualTo(new ShimFlags("k8s.io", "abc", "/run/containerd/containerd.sock",
                "/usr/bin/containerd", null, null, false, false, "start"));
    }

    @Test
    void deleteNamesItsBundle() throws Exception {
        ShimFlags f = ShimFlags.parse("-namespace", "default", "-address", "/a.sock", "-publish-binary", "containerd",
                "-id", "c1", "-bundle", "/state/default/c1", "delete");
        assertThat(f.action()).isEqualTo("delete");
        assertThat(f.bundle()).isEqualTo(Path.of("/state/default/c1"));
    }

    @Test
    void goFlagFormsAndBooleans() throws Exception {
        ShimFlags f = ShimFlags.parse("--namespace=ns", "-debug", "-socket=/run/x.sock", "-id", "c");
        assertThat(f.namespace()).isEqualTo("ns");
        assertThat(f.debug()).isTrue();
        assertThat(f.socket()).isEqualTo(Path.of("/run/x.sock"));
        assertThat(f.action()).isEmpty();
        assertThat(f.publishBinary()).as("Go's default").isEqualTo("containerd");
        assertThat(ShimFlags.parse("-v").version()).isTrue();
    }

    @Test
    void mistakesAreSaidAsGoSaysThem() {
        assertThatThrownBy(() -> ShimFlags.parse("-nope", "x", "start")).isInstanceOf(BadInputException.class)
                .hasMessage("flag provided but not defined: -nope");
        assertThatThrownBy(() -> ShimFlags.parse("-id")).isInstanceOf(BadInputException.class)
                .hasMessage("flag needs an argument: -id");
        assertThatThrownBy(() -> ShimFlags.parse("-id", "c", "start", "extra")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("extra");
    }
}
