package dev.hull.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The agent protocol's golden files (src/test/resources/golden/agent/): each request as the host writes it,
 * each reply and event as the agent writes it. The agent's own unit tests (guest/agent/test) read the same
 * files. {@code -Dgolden.update=true} rewrites them from what the Java side writes (then read the diff).
 */
final class GoldenFiles {
    static final Path DIR = Path.of("src/test/resources/golden/agent");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");

    private GoldenFiles() {
    }

    static JsonNode read(String name) throws IOException {
        Path file = DIR.resolve(name);
        assertThat(file).as("golden file " + name).exists();
        return AgentClient.JSON.readTree(file.toFile());
    }

    /** Asserts that {@code written}, as it goes on the wire, is the golden file's JSON (or, updating, writes it). */
    static void check(String name, JsonNode written) throws IOException {
        // Read back from its text, as the agent reads it (a long 1 and an int 1 are then one number).
        JsonNode actual = AgentClient.JSON.readTree(written.toString());
        if (UPDATE) {
            Files.writeString(DIR.resolve(name), AgentClient.JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(actual) + "\n");
        }
        assertThat(actual).as(name).isEqualTo(read(name));
    }
}
