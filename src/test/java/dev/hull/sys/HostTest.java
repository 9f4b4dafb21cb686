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
        // The background child ends only after the shell has become a sleep, which never reaps it
        // (a child that ended at once could be reaped by the shell itself before its exec).
        Process parent = new ProcessBuilder("sh", "-c", "(sleep 0.3) & echo $!; exec sleep 10").start();
        try {
            long child = Long.parseLong(new BufferedReader(new InputStreamReader(parent.getInputStream())).readLine());
            Path stat = Path.of("/proc", Long.toString(child), "stat");
            long end = System.nanoTime() + 5_000_000_000L;
            while (!(Files.exists(stat) && Files.readString(stat).contains(") Z")) && System.nanoTime() < end) {
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
