package dev.hull.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hull.testing.TestAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Debian's virtiofsd, started and ended the ways the shim and a failed create do. */
class VirtioFsdIT {
    @TempDir
    Path dir;

    @Test
    void aVirtiofsdWhoseQemuNeverCameIsEndedByItsSocket() throws Exception {
        Path socket = dir.resolve("fs.sock");
        VirtioFsd daemon = VirtioFsd.start(VirtioFsd.BINARY, TestAssets.busyboxRootfs(), false, socket,
                dir.resolve("virtiofsd.log"), Duration.ofSeconds(10));
        ProcessHandle process = ProcessHandle.of(daemon.pid()).orElseThrow();
        assertThat(Files.exists(socket)).isTrue();
        assertThat(process.isAlive()).as("it waits for a qemu").isTrue();
        assertThat(VirtioFsd.endAbandoned(dir.resolve("other.sock"))).isZero();
        assertThat(process.isAlive()).isTrue();

        assertThat(VirtioFsd.endAbandoned(socket)).isEqualTo(1);
        daemon.close();
        assertThat(process.isAlive()).isFalse();
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().arguments()
                .map(a -> String.join(" ", a).contains(socket.toString())).orElse(false)).toList())
                .as("its sandbox child too").isEmpty();
    }
}
