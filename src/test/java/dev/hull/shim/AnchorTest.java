package dev.hull.shim;

import dev.hull.oci.Mount;
import java.util.List;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

class AnchorTest {
    private static Mount bind(String dst, String src) {
        return new Mount(dst, "bind", src, List.of("rbind", "rw"));
    }

    private static Mount of(String dst, String type) {
        return new Mount(dst, type, type, List.of());
    }

    /** What podman and CRI give: the look into the root shows binds the container sees, not hidden ones. */
    @Test
    void bindsUnderAnotherKindOfMountOrNotAbsoluteAreLeftOut() {
        var mounts = List.of(of("/proc", "proc"), of("/dev", "tmpfs"), of("/run", "tmpfs"),
                bind("/etc/hosts", "/h/hosts"), bind("/dev/shm", "/h/shm"), bind("/dev/termination-log", "/h/t"),
                bind("/run/secrets/x", "/h/x"), bind("/data", "/h/data"), bind("/", "/h/root"),
                bind("relative", "/h/r"), new Mount("/opt", "none", "/h/opt", List.of("rbind")),
                bind("/devices", "/h/devices"));
        assertThat(Anchor.visibleBinds(mounts)).extracting(Mount::destination)
                .containsExactly("/etc/hosts", "/data", "/opt", "/devices");
    }

    @Test
    void aBindWithoutSourceIsLeftOut() {
        assertThat(Anchor.visibleBinds(List.of(new Mount("/data", "bind", null, List.of())))).isEmpty();
    }
}
