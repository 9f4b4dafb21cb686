package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.oci.JsonText;
import dev.hull.oci.SpecJson;
import java.io.IOException;

/**
 * {@code shim.sock}'s JSON lines, through Jackson's tree model: binding the records made each CLI call
 * (start, kill, delete, exec...) and the shim's first answer pay Jackson's introspection in a fresh JVM,
 * tens of milliseconds each. An exec's OCI process is written as config.json has it ({@link SpecJson}).
 */
final class ShimCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ShimCodec() {
    }

    static String encode(ShimRequest request) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        switch (request) {
            case ShimRequest.Start s -> n.put("op", "start");
            case ShimRequest.Kill k -> n.put("op", "kill").put("signal", k.signal()).put("all", k.all());
            case ShimRequest.Pause p -> n.put("op", "pause");
            case ShimRequest.Resume r -> n.put("op", "resume");
            case ShimRequest.Ps p -> n.put("op", "ps");
            case ShimRequest.Stats s -> n.put("op", "stats");
            case ShimRequest.Update u -> n.put("op", "update").set("resources", u.resources());
            case ShimRequest.Exec e -> {
                n.put("op", "exec").put("exec", e.exec()).put("clientPid", e.clientPid());
                n.set("process", SpecJson.tree(e.process()));
                if (e.consoleSocket() != null) {
                    n.put("consoleSocket", e.consoleSocket());
                }
            }
            case ShimRequest.WaitExec w -> n.put("op", "wait-exec").put("exec", w.exec());
        }
        return JSON.writeValueAsString(n);
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
        ObjectNode n = JSON.createObjectNode();
        if (reply.error() != null) {
            n.put("error", reply.error());
        }
        if (reply.data() != null) {
            n.set("data", reply.data());
        }
        return JSON.writeValueAsString(n);
    }

    static ShimReply decodeReply(String line) throws IOException {
        JsonNode n = object(line);
        JsonNode data = n.get("data");
        return new ShimReply(JsonText.get(n, "error"), data == null || data.isNull() ? null : data);
    }

    private static dev.hull.oci.Process process(JsonNode n) throws IOException {
        try {
            return SpecJson.process(n, "process");
        } catch (SpecJson.TypeException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static JsonNode object(String line) throws IOException {
        JsonNode n = JSON.readTree(line);
        if (n == null || !n.isObject()) {
            throw new IOException("a shim.sock line is not a JSON object: " + line);
        }
        return n;
    }
}
