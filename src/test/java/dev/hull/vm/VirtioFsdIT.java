package dev.hull.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hull.sys.Host;
import dev.hull.testing.TestAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Debian's virtiofsd, started and ended the ways the shim and a failed create do. */
class VirtioFsdIT {
    @TempDir
    Path dir;

    @Test
    void aVirtiofsdWhoseQemuNeverCameIsEndedByItsSocket() throws Exception {
        Path socket = dir.resolve("fs.sock");
        VirtioFsd daemon = VirtioFsd.start(VirtioFsd.BINARY, TestAssets.busyboxRootfs(), false, false, socket,
                dir.resolve("virtiofsd.log"), Duration.ofSeconds(10));
        ProcessHandle process = ProcessHandle.of(daemon.pid()).orElseThrow();
        assertThat(Files.exists(socket)).isTrue();
        assertThat(process.isAlive()).as("it waits for a qemu").isTrue();
        // As a failed create finds it: by the folder its socket is in (Lifecycle.killLeftovers).
        assertThat(Host.naming(List.of(dir.resolve("other") + "/"))).isEmpty();
        assertThat(process.isAlive()).isTrue();

        List<ProcessHandle> found = Host.naming(List.of(dir + "/"));
        assertThat(found).hasSize(1);
        assertThat(Host.end(found)).isEmpty();
        daemon.close();
        assertThat(process.isAlive()).isFalse();
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().arguments()
                .map(a -> String.join(" ", a).contains(socket.toString())).orElse(false)).toList())
                .as("its sandbox child too").isEmpty();
    }
}
