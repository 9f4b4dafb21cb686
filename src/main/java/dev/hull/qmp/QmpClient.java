package dev.hull.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.io.SocketLines;
import dev.hull.json.Json;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A minimal QMP client: the greeting, {@code qmp_capabilities}, then one command at a time. Events that
 * arrive between a command and its answer are skipped. Each message is one JSON line.
 */
public final class QmpClient implements AutoCloseable {
    private static final ObjectMapper JSON = Json.mapper();

    private final SocketChannel channel;
    private final SocketLines lines;

    private QmpClient(SocketChannel channel) {
        this.channel = channel;
        this.lines = new SocketLines(channel);
    }

    public static QmpClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            QmpClient c = new QmpClient(ch);
            JsonNode greeting = c.read();
            if (!greeting.has("QMP")) {
                throw new IOException("not a QMP greeting: " + greeting);
            }
            c.execute("qmp_capabilities");
            return c;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /** Runs a command and returns its {@code return} value; an {@code error} answer is an exception. */
    public JsonNode execute(String command) throws IOException {
        return execute(command, null);
    }

    /** {@link #execute(String)} with {@code arguments} (null: none). */
    public JsonNode execute(String command, ObjectNode arguments) throws IOException {
        ObjectNode request = JSON.createObjectNode().put("execute", command);
        if (arguments != null) {
            request.set("arguments", arguments);
        }
        lines.write(request.toString());
        while (true) {
            JsonNode answer = read();
            if (answer.has("event")) {
                continue;
            }
            if (answer.has("error")) {
                throw new IOException("qemu refused " + command + ": " + answer.at("/error/desc").asText());
            }
            return answer.get("return");
        }
    }

    /** {@code running}, {@code paused}, ... as qemu reports it. */
    public String status() throws IOException {
        return execute("query-status").path("status").asText();
    }

    /** An empty arguments object to fill. */
    public static ObjectNode arguments() {
        return JSON.createObjectNode();
    }

    private JsonNode read() throws IOException {
        String line = lines.read();
        if (line == null) {
            throw new IOException("qemu closed the QMP connection");
        }
        return JSON.readTree(line);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
