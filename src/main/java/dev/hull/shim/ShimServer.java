package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Serves CLI verbs on {@code shim.sock}, one connection at a time, until closed. */
final class ShimServer implements AutoCloseable {
    /** Carries out one request and returns its data (or null); an exception's message is the CLI's error. */
    interface Handler {
        JsonNode handle(ShimRequest request) throws Exception;
    }

    private final Path path;
    private final ServerSocketChannel server;

    ShimServer(Path path, Handler handler) throws IOException {
        this.path = path;
        Files.deleteIfExists(path);
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Thread.ofPlatform().daemon().name("hull-shim-server").start(() -> serve(handler));
    }

    private void serve(Handler handler) {
        while (server.isOpen()) {
            try (SocketChannel ch = server.accept()) {
                var reader = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                        StandardCharsets.UTF_8));
                String line = reader.readLine();
                if (line == null) {
                    continue;
                }
                ShimReply reply;
                try {
                    reply = new ShimReply(null, handler.handle(ShimClient.JSON.readValue(line, ShimRequest.class)));
                } catch (Exception e) {
                    reply = new ShimReply(e.getMessage() == null ? e.toString() : e.getMessage(), null);
                }
                ByteBuffer out = ByteBuffer.wrap((ShimClient.JSON.writeValueAsString(reply) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
                while (out.hasRemaining()) {
                    ch.write(out);
                }
            } catch (IOException e) {
                // A CLI that went away mid-request, or the server closing: either way, go on or stop.
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
    }
}
