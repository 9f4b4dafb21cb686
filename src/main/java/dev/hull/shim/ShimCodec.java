package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.json.JsonText;
import dev.hull.json.JsonValues;
import dev.hull.oci.Process;
import dev.hull.oci.SpecJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code shim.sock}'s one codec: each request and each answer is one JSON line, written and read here for
 * both ends (the CLI, the shim). Through Jackson's streaming parser and generator ({@link JsonValues}):
 * binding records cost each fresh CLI JVM (start, kill, delete, exec...) tens of milliseconds of Jackson's
 * introspection, and an ObjectMapper ~20 ms more. A request's {@code op} names it; an answer is
 * {@code {"error":…}} or {@code {"data":…}} (or {@code {}}). Missing fields read as null, 0 or false
 * ({@link JsonText}), unknown ones are ignored. An exec's OCI process is written as config.json has it
 * ({@link SpecJson}). The lines are pinned by the golden files under {@code src/test/resources/golden/shim/}.
 */
final class ShimCodec {
    private ShimCodec() {
    }

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
                JsonText.put(n, "consoleSocket", e.consoleSocket());
            }
            case ShimRequest.WaitExec w -> {
                n.put("op", "wait-exec");
                n.put("exec", w.exec());
            }
        }
        return JsonValues.write(n, false);
    }

    static ShimRequest decodeRequest(String line) throws IOException {
        Map<String, Object> n = object(line);
        String op = JsonText.get(n, "op");
        return switch (op == null ? "" : op) {
            case "start" -> new ShimRequest.Start();
            case "kill" -> new ShimRequest.Kill((int) JsonValues.number(n, "signal"), JsonValues.flag(n, "all"));
            case "pause" -> new ShimRequest.Pause();
            case "resume" -> new ShimRequest.Resume();
            case "ps" -> new ShimRequest.Ps();
            case "stats" -> new ShimRequest.Stats();
            case "update" -> new ShimRequest.Update(tree(n, "resources"));
            case "exec" -> new ShimRequest.Exec(JsonText.get(n, "exec"), JsonValues.number(n, "clientPid"),
                    process(tree(n, "process")), JsonText.get(n, "consoleSocket"));
            case "wait-exec" -> new ShimRequest.WaitExec(JsonText.get(n, "exec"));
            default -> throw new IOException("unknown shim request '" + op + "'");
        };
    }

    static String encode(ShimReply reply) throws IOException {
        Map<String, Object> n = new LinkedHashMap<>();
        JsonText.put(n, "error", reply.error());
        JsonText.put(n, "data", reply.data());
        JsonText.put(n, "kind", reply.kind());
        return JsonValues.write(n, false);
    }

    static ShimReply decodeReply(String line) throws IOException {
        Map<String, Object> n = object(line);
        return new ShimReply(JsonText.get(n, "error"), tree(n, "data"), JsonText.get(n, "kind"));
    }

    private static Process process(JsonNode n) throws IOException {
        try {
            return SpecJson.process(n, "process");
        } catch (SpecJson.TypeException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** A field as the tree an ObjectMapper would have read, or null when it is missing or null. */
    private static JsonNode tree(Map<String, Object> n, String field) {
        Object v = n.get(field);
        return v == null ? null : JsonValues.tree(v);
    }

    private static Map<String, Object> object(String line) throws IOException {
        return JsonValues.object(line.getBytes(StandardCharsets.UTF_8), "a shim.sock line");
    }
}
