package dev.hull.logging;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

class LogTest {
    @TempDir
    Path dir;

    @AfterEach
    void reset() {
        Log.configure(null, Log.Format.TEXT, false, List.of());
    }

    @Test
    void jsonLinesAreRuncsFormat() throws Exception {
        Path log = dir.resolve("log.json");
        Log.configure(log, Log.Format.JSON, false, List.of());
        Log.debug("hidden");
        Log.error("bad \"quote\"\nnewline");
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(1);
        var node = new ObjectMapper().readTree(lines.getFirst());
        assertThat(node.get("level").asText()).isEqualTo("error");
        assertThat(node.get("msg").asText()).isEqualTo("bad \"quote\"\nnewline");
        assertThat(node.get("time").asText()).endsWith("Z");
    }

    @Test
    void textLinesAndTheGlobalLogCarryTheLevelAndPid() throws Exception {
        Path log = dir.resolve("log.txt");
        Path global = dir.resolve("hull.log");
        Log.configure(log, Log.Format.TEXT, true, List.of(global));
        Log.debug("shown");
        assertThat(Files.readString(log)).startsWith("time=\"").contains("level=debug msg=\"shown\"");
        assertThat(Files.readString(global)).contains("[" + ProcessHandle.current().pid() + "] debug: shown");
        // It records exec command lines: only its owner may read it.
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(global)))
                .isEqualTo("rw-------");
    }
}
