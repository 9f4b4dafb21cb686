package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.oci.JsonText;
import dev.hull.oci.JsonValues;
import dev.hull.oci.SpecJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code shim.sock}'s JSON lines. Binding the records made each CLI call (start, kill, delete, exec...) and
 * the shim's first answer pay Jackson's introspection in a fresh JVM, tens of milliseconds each; so the
 * CLI's side (requests out, replies in) uses the streaming parser and generator ({@link JsonValues}), and
 * the shim's side, whose JVM has an ObjectMapper anyway, the tree model. Each side's tests read what the
 * other wrote. An exec's OCI process is written as config.json has it ({@link SpecJson}).
 */
final class ShimCodec {
    /** The shim's side only: its first use costs a fresh JVM ~20 ms, which the CLI's side does not pay. */
    private static final class Tree {
        static final ObjectMapper JSON = new ObjectMapper();
    }

    private ShimCodec() {
    }

    /** The CLI's side: jackson-core only (a start or kill need no ObjectMapper in their fresh JVM). */
    static String encode(ShimRequest request) throws IOException {
        Map<String, Object> n = new LinkedHashMap<>();
        switch (request) {
            case ShimRequest.Start s -> n.put("op", "start");
            case ShimRequest.Kill k -> {
                n.put("op", "kill");
                n.put("signal", k.signal());
                n.put("all", k.all());
            }
            case ShimRequest.Pause p -> n.put("op", "pause");
            case ShimRequest.Resume r -> n.put("op", "resume");
            case ShimRequest.Ps p -> n.put("op", "ps");
            case ShimRequest.Stats s -> n.put("op", "stats");
            case ShimRequest.Update u -> {
                n.put("op", "update");
                n.put("resources", u.resources());
            }
            case ShimRequest.Exec e -> {
                n.put("op", "exec");
                n.put("exec", e.exec());
                n.put("clientPid", e.clientPid());
                n.put("process", SpecJson.tree(e.process()));
                JsonValues.putText(n, "consoleSocket", e.consoleSocket());
            }
            case ShimRequest.WaitExec w -> {
                n.put("op", "wait-exec");
                n.put("exec", w.exec());
            }
        }
        return JsonValues.write(n, false);
    }

    static ShimRequest decodeRequest(String line) throws IOException {
        JsonNode n = object(line);
        String op = n.path("op").asText();
        return switch (op) {
            case "start" -> new ShimRequest.Start();
            case "kill" -> new ShimRequest.Kill(n.path("signal").asInt(), n.path("all").asBoolean());
            case "pause" -> new ShimRequest.Pause();
            case "resume" -> new ShimRequest.Resume();
            case "ps" -> new ShimRequest.Ps();
            case "stats" -> new ShimRequest.Stats();
            case "update" -> new ShimRequest.Update(n.get("resources"));
            case "exec" -> new ShimRequest.Exec(JsonText.get(n, "exec"), n.path("clientPid").asLong(),
                    process(n.get("process")), JsonText.get(n, "consoleSocket"));
            case "wait-exec" -> new ShimRequest.WaitExec(JsonText.get(n, "exec"));
            default -> throw new IOException("unknown shim request '" + op + "'");
        };
    }

    static String encode(ShimReply reply) throws IOException {
        ObjectNode n = Tree.JSON.createObjectNode();
        if (reply.error() != null) {
            n.put("error", reply.error());
        }
        if (reply.data() != null) {
            n.set("data", reply.data());
        }
        if (reply.kind() != null) {
            n.put("kind", reply.kind());
        }
        return Tree.JSON.writeValueAsString(n);
    }

    /** The CLI's side, like {@link #encode(ShimRequest)}. */
    static ShimReply decodeReply(String line) throws IOException {
        Map<String, Object> n = JsonValues.object(line.getBytes(StandardCharsets.UTF_8), "a shim.sock line");
        Object data = n.get("data");
        return new ShimReply(JsonValues.text(n, "error"), data == null ? null : JsonValues.tree(data),
                JsonValues.text(n, "kind"));
    }

    private static dev.hull.oci.Process process(JsonNode n) throws IOException {
        try {
            return SpecJson.process(n, "process");
        } catch (SpecJson.TypeException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static JsonNode object(String line) throws IOException {
        JsonNode n = Tree.JSON.readTree(line);
        if (n == null || !n.isObject()) {
            throw new IOException("a shim.sock line is not a JSON object: " + line);
        }
        return n;
    }
}
