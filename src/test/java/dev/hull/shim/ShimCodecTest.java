package dev.hull.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.agent.Results;
import dev.hull.json.Json;
import dev.hull.oci.Process;
import dev.hull.testing.Golden;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of shim.sock line against {@code golden/shim/*.json} (one file per kind, each the exact bytes on
 * the socket, newline included), both ways, byte for byte: the codec's output is deterministic, and the CLI
 * and a running shim of another Hull version must keep agreeing. A field renamed in the encoder changes the
 * bytes; one renamed in the decoder reads as null, 0 or false and the record differs (each request below
 * sets every field it has). Replies carry the data the shim makes of the agent's results.
 */
class ShimCodecTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static Stream<Arguments> requests() {
        ObjectNode resources = NODES.objectNode();
        resources.putObject("memory").put("limit", 268435456);
        resources.putObject("cpu").put("quota", 50000).put("period", 100000);
        resources.putObject("pids").put("limit", 100);
        Process process = new Process(true, new Process.ConsoleSize(24, 80),
                new Process.User(1000, 1000, 18, List.of(10, 20)), List.of("sh", "-c", "echo \"hi\" é"),
                List.of("PATH=/bin", "TERM=xterm"), "/srv", List.of(new Process.Rlimit("RLIMIT_NOFILE", 1024, 512)),
                true, new Process.Capabilities(List.of("CAP_KILL"), List.of("CAP_KILL"), null, List.of("CAP_KILL"),
                        List.of()), -100);
        return Stream.of(
                Arguments.of("shim/request-start.json", new ShimRequest.Start()),
                Arguments.of("shim/request-kill.json", new ShimRequest.Kill(9, true)),
                Arguments.of("shim/request-pause.json", new ShimRequest.Pause()),
                Arguments.of("shim/request-resume.json", new ShimRequest.Resume()),
                Arguments.of("shim/request-ps.json", new ShimRequest.Ps()),
                Arguments.of("shim/request-stats.json", new ShimRequest.Stats()),
                Arguments.of("shim/request-update.json", new ShimRequest.Update(resources)),
                Arguments.of("shim/request-exec.json", new ShimRequest.Exec("exec-1", 4242, process,
                        "/run/user/1000/console.sock")),
                // No console socket: the field is left out, and reads as null.
                Arguments.of("shim/request-exec-no-console.json", new ShimRequest.Exec("exec-2", 4243,
                        Process.of("true"), null)),
                Arguments.of("shim/request-wait-exec.json", new ShimRequest.WaitExec("exec-1")));
    }

    /** As GuestContainer answers each request (the data made from the agent's results by the shared mapper). */
    static Stream<Arguments> replies() {
        var ps = new Results.ProcessList(List.of(new Results.ProcessInfo(1, 0, 0, 1, "sleep 300"),
                new Results.ProcessInfo(7, 1, 1000, 7, "sh -c 'echo hi'")));
        var stats = new Results.Stats(new Results.Stats.Cpu(1523000, 1200000, 323000),
                new Results.Stats.Memory(3145728, 268435456, 1), new Results.Stats.Pids(2, 228));
        return Stream.of(
                Arguments.of("shim/reply-ok.json", ShimReply.OK),
                Arguments.of("shim/reply-error.json",
                        new ShimReply("container 'c' is stopped, not running", null, "wrong-state")),
                // An older shim's error carries no kind (the CLI reads it as internal).
                Arguments.of("shim/reply-error-no-kind.json",
                        new ShimReply("container 'c' is stopped, not running", null)),
                Arguments.of("shim/reply-exec.json", new ShimReply(null, NODES.objectNode().put("pid", 57))),
                Arguments.of("shim/reply-wait-exec.json", new ShimReply(null, NODES.objectNode().put("code", 3))),
                Arguments.of("shim/reply-ps.json", new ShimReply(null, Json.mapper().valueToTree(ps.processes()))),
                Arguments.of("shim/reply-stats.json", new ShimReply(null, Json.mapper().valueToTree(stats))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void writesTheGoldenRequest(String file, ShimRequest request) throws Exception {
        Golden.assertWritten(file, ShimCodec.encode(request) + "\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void readsTheGoldenRequest(String file, ShimRequest request) throws Exception {
        assertThat(ShimCodec.decodeRequest(line(file))).isEqualTo(request);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("replies")
    void writesTheGoldenReply(String file, ShimReply reply) throws Exception {
        Golden.assertWritten(file, ShimCodec.encode(reply) + "\n");
    }

    /** The data as a tree of the same values (a number read back is the smallest node that holds it). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("replies")
    void readsTheGoldenReply(String file, ShimReply reply) throws Exception {
        ShimReply read = ShimCodec.decodeReply(line(file));
        assertThat(read.error()).isEqualTo(reply.error());
        if (reply.data() == null) {
            assertThat(read.data()).isNull();
        } else {
            assertThat(read.data().equals(SAME_VALUE, reply.data())).as("%s read as %s", reply.data(), read.data())
                    .isTrue();
        }
    }

    private static final Comparator<JsonNode> SAME_VALUE = (a, b) -> a.isNumber() && b.isNumber()
            ? a.decimalValue().compareTo(b.decimalValue()) : a.equals(b) ? 0 : 1;

    /** The file's line as ShimServer and ShimClient read it: without its newline. */
    private static String line(String file) throws Exception {
        String text = Golden.read(file);
        assertThat(text).endsWith("\n").containsOnlyOnce("\n");
        return text.substring(0, text.length() - 1);
    }

    /** Unknown fields are ignored (a newer CLI's line to an older shim, or the other way round). */
    @Test
    void anUnknownFieldIsIgnored() throws Exception {
        assertThat(ShimCodec.decodeRequest("{\"op\":\"wait-exec\",\"exec\":\"x\",\"extra\":1}"))
                .isEqualTo(new ShimRequest.WaitExec("x"));
        assertThat(ShimCodec.decodeReply("{\"data\":{\"pid\":7},\"kind\":\"new\"}").data().get("pid").asInt())
                .isEqualTo(7);
    }

    @Test
    void anUnknownRequestOrALineThatIsNoObjectIsAnError() {
        assertThatThrownBy(() -> ShimCodec.decodeRequest("{\"op\":\"reboot\"}")).isInstanceOf(IOException.class)
                .hasMessageContaining("unknown shim request 'reboot'");
        assertThatThrownBy(() -> ShimCodec.decodeRequest("{}")).isInstanceOf(IOException.class)
                .hasMessageContaining("unknown shim request 'null'");
        assertThatThrownBy(() -> ShimCodec.decodeRequest("[]")).isInstanceOf(IOException.class)
                .hasMessage("a shim.sock line is not a JSON object");
        assertThatThrownBy(() -> ShimCodec.decodeReply("{\"error\":")).isInstanceOf(IOException.class);
    }
}
