package dev.hull.shim;

import dev.hull.json.JsonText;
import dev.hull.json.JsonValues;
import dev.hull.logging.Log;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

    /**
     * The line hull-member sent; a malformed one is an IOException. Read without an ObjectMapper: making one
     * costs tens of milliseconds, on the path of every create (the anchor comes before the VM boots).
     */
    static MemberRequest parse(String line) throws IOException {
        Map<String, Object> n;
        try {
            n = JsonValues.object(line.getBytes(StandardCharsets.UTF_8), "a member request");
        } catch (IOException e) {
            n = null;
        }
        Map<String, Object> m = n == null ? null : JsonValues.child(n, "member");
        long pid = n == null ? 0 : JsonValues.number(n, "pid");
        if (m == null || pid <= 0 || !(m.get("id") instanceof String id) || !(m.get("bundle") instanceof String b)
                || !(m.get("notify") instanceof String notify)) {
            throw new IOException("not a member request: " + Log.printable(
                    line.length() > 200 ? line.substring(0, 200) : line));
        }
        return new MemberRequest(pid, id, Path.of(b), Path.of(notify), path(m, "consoleSocket"), path(m, "console"));
    }

    private static Path path(Map<String, Object> m, String field) {
        return m.get(field) instanceof String v ? Path.of(v) : null;
    }
}
