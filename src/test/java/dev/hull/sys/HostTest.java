package dev.hull.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HostTest {
    @Test
    void aLiveProcessRunsAndAZombieOrAMissingOneDoesNot() throws Exception {
        assertThat(Host.running(ProcessHandle.current().pid())).isTrue();
        // The shell's background child ends at once; the sleep the shell became never reaps it.
        Process parent = new ProcessBuilder("sh", "-c", "true & echo $!; exec sleep 5").start();
        try {
            long child = Long.parseLong(new BufferedReader(new InputStreamReader(parent.getInputStream())).readLine());
            Path stat = Path.of("/proc", Long.toString(child), "stat");
            long end = System.nanoTime() + 5_000_000_000L;
            while (!Files.readString(stat).contains(") Z") && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            assertThat(stat).exists();
            assertThat(Host.running(child)).isFalse();
        } finally {
            parent.destroyForcibly().waitFor();
        }
        assertThat(Host.running(Long.MAX_VALUE)).isFalse();
    }
}
