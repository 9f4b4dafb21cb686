package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.io.SocketLines;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Serves CLI verbs on {@code shim.sock}, one JSON line in and one out per connection, until closed. */
final class ShimServer implements AutoCloseable {
    /**
     * Carries out one request and returns its data (or null); an exception's message is the CLI's error,
     * and its kind ({@link dev.hull.error.HullException}) the type the CLI throws it as.
     */
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
        serve(server, "hull-shim", ch -> answer(ch, handler));
    }

    /**
     * Accepts connections on a thread of its own until {@code server} is closed; each connection gets its
     * own thread too, since one may wait long (an exec waiting for its process, a pod member for its end).
     */
    static void serve(ServerSocketChannel server, String name, Consumer<SocketChannel> each) {
        Thread.ofPlatform().daemon().name(name + "-server").start(() -> {
            while (server.isOpen()) {
                SocketChannel accepted;
                try {
                    accepted = server.accept();
                } catch (IOException e) {
                    return;
                }
                Thread.ofPlatform().daemon().name(name + "-conn").start(() -> each.accept(accepted));
            }
        });
    }

    private static void answer(SocketChannel accepted, Handler handler) {
        try (SocketChannel ch = accepted) {
            SocketLines lines = new SocketLines(ch);
            String line = lines.read();
            if (line == null) {
                return;
            }
            ShimReply reply;
            try {
                reply = new ShimReply(null, handler.handle(ShimCodec.decodeRequest(line)));
            } catch (Exception e) {
                reply = ShimReply.failed(e);
            }
            lines.write(ShimCodec.encode(reply));
        } catch (IOException e) {
            // The CLI went away mid-request; nothing is left to answer.
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
    }
}
