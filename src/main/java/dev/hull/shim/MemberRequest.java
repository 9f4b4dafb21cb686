package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hull.json.Json;
import dev.hull.json.JsonText;
import dev.hull.json.JsonValues;
import dev.hull.logging.Log;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a member's host process (hull-member) sends the VM that takes it in, over {@code pod.sock}: one line,
 * {@code {"pid":N,"member":{…}}}. The CLI writes the inner object (it passes it to hull-member as an
 * argument); hull-member adds its own pid, whose stdio the VM owner duplicates as the member's.
 *
 * @param notifySocket the CLI's notify.sock: told {@code ok} or {@code error <why>}, as a shim tells it
 */
public record MemberRequest(long pid, String id, Path bundle, Path notifySocket, Path consoleSocket, Path console) {
    private static final ObjectMapper JSON = Json.mapper();

    /** The inner object, as the CLI passes it to hull-member. */
    public String memberJson() throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("bundle", bundle.toString());
        m.put("notify", notifySocket.toString());
        JsonText.put(m, "consoleSocket", consoleSocket == null ? null : consoleSocket.toString());
        JsonText.put(m, "console", console == null ? null : console.toString());
        return JsonValues.write(m, false);
    }

    /** The line hull-member sent; a malformed one is an IOException. */
    static MemberRequest parse(String line) throws IOException {
        JsonNode n = JSON.readTree(line);
        JsonNode m = n == null ? null : n.get("member");
        if (m == null || !m.isObject() || !n.path("pid").canConvertToLong() || n.path("pid").asLong() <= 0
                || !m.path("id").isTextual() || !m.path("bundle").isTextual() || !m.path("notify").isTextual()) {
            throw new IOException("not a member request: " + Log.printable(
                    line.length() > 200 ? line.substring(0, 200) : line));
        }
        return new MemberRequest(n.get("pid").asLong(), m.get("id").asText(), Path.of(m.get("bundle").asText()),
                Path.of(m.get("notify").asText()), path(m, "consoleSocket"), path(m, "console"));
    }

    private static Path path(JsonNode m, String field) {
        JsonNode v = m.get(field);
        return v == null || !v.isTextual() ? null : Path.of(v.asText());
    }
}
