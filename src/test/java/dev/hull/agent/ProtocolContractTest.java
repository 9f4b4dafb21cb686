package dev.hull.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hull.state.ContainerId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The host's half of the protocol is the agent's: guest/agent/agent.h is read and each of its constants,
 * frame types, ops and error codes compared with the Java side's, so that a change on one side alone fails
 * the build (docs/agent-protocol.md, "Adding an agent op").
 */
class ProtocolContractTest {
    private static final Path HEADER = Path.of("guest/agent/agent.h");

    private static String header() throws IOException {
        return Files.readString(HEADER);
    }

    /** The value of {@code #define NAME expr}, expr a number or {@code (a << b)} or {@code (a * b)}. */
    static long define(String header, String name) {
        Matcher m = Pattern.compile("(?m)^#define " + name + " (.+)$").matcher(header);
        assertThat(m.find()).as("#define " + name + " in agent.h").isTrue();
        String expr = m.group(1).replaceAll("[()\\s]|(?<=\\d)u", "");
        if (expr.contains("<<")) {
            String[] p = expr.split("<<");
            return Long.parseLong(p[0]) << Long.parseLong(p[1]);
        }
        return Arrays.stream(expr.split("\\*")).mapToLong(Long::parseLong).reduce(1, (a, b) -> a * b);
    }

    /** The names an X-macro list gives: {@code #define LIST(X) X(a) X(b) ...}. */
    static List<String> xList(String header, String macro) {
        Matcher m = Pattern.compile("#define " + macro + "\\(X\\)((?:[^\\n]*\\\\\\n)*[^\\n]*)").matcher(header);
        assertThat(m.find()).as(macro + " in agent.h").isTrue();
        return Pattern.compile("X\\((\\w+)\\)").matcher(m.group(1)).results().map(r -> r.group(1)).toList();
    }

    @Test
    void constantsAreTheAgents() throws IOException {
        String h = header();
        Map<String, Long> host = new LinkedHashMap<>();
        host.put("FRAME_HEADER", (long) Frame.HEADER_BYTES);
        host.put("MAX_PAYLOAD", (long) Frame.MAX_PAYLOAD);
        host.put("MAX_DATA", (long) Frame.MAX_DATA);
        host.put("INITIAL_WINDOW", (long) Frame.INITIAL_WINDOW);
        host.put("PROTOCOL_MIN_VERSION", (long) Request.MIN_VERSION);
        host.put("PROTOCOL_MAX_VERSION", (long) Request.MAX_VERSION);
        host.put("MAX_ID_LENGTH", (long) ContainerId.MAX_LENGTH);
        host.put("CLONE_MIN_ENTROPY", (long) Request.Clone.MIN_ENTROPY);
        host.put("CLONE_MAX_ENTROPY", (long) Request.Clone.MAX_ENTROPY);
        host.forEach((name, value) -> assertThat(define(h, name)).as(name).isEqualTo(value));
    }

    @Test
    void frameTypesAreTheAgents() throws IOException {
        Matcher m = Pattern.compile("enum frame_type \\{([^}]*)}").matcher(header());
        assertThat(m.find()).isTrue();
        Map<String, Integer> agent = new LinkedHashMap<>();
        Pattern.compile("F_(\\w+) = (\\d+)").matcher(m.group(1)).results()
                .forEach(r -> agent.put(r.group(1), Integer.parseInt(r.group(2))));
        Map<String, Integer> host = new LinkedHashMap<>();
        Arrays.stream(FrameType.values()).forEach(t -> host.put(t.name(), t.code()));
        assertThat(agent).isEqualTo(host);
    }

    @Test
    void theOpsAreTheAgentsOneRecordEach() throws IOException {
        List<String> host = Arrays.stream(Request.class.getPermittedSubclasses())
                .map(c -> Request.op(c.asSubclass(Request.class))).toList();
        assertThat(xList(header(), "AGENT_OPS")).containsExactlyInAnyOrderElementsOf(host);
    }

    @Test
    void theErrorCodesAreTheAgentsAndUnknown() throws IOException {
        List<String> host = Arrays.stream(ErrorCode.values()).filter(c -> c != ErrorCode.UNKNOWN)
                .map(Enum::name).toList();
        assertThat(xList(header(), "AGENT_ERRORS")).containsExactlyElementsOf(host);
    }

    @Test
    void everyOpHasItsGoldenFilesForTheAgentsTests() throws IOException {
        for (String op : xList(header(), "AGENT_OPS")) {
            assertThat(GoldenFiles.DIR.resolve(op + ".request.json")).exists();
            assertThat(GoldenFiles.DIR.resolve(op + ".reply.json")).exists();
        }
    }
}
