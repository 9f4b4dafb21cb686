package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Serves CLI verbs on {@code shim.sock}, one JSON line in and one out per connection, until closed. */
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
        serve(server, "hull-shim", ch -> answer(ch, handler));
    }

    /**
     * Accepts connections on a thread of its own until {@code server} is closed; each connection gets its
     * own thread too, since one may wait long (an exec waiting for its process, a pod member for its end).
     */
    static void serve(ServerSocketChannel server, String name, java.util.function.Consumer<SocketChannel> each) {
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
            String line = boundedLine(Channels.newInputStream(ch));
            if (line == null) {
                return;
            }
            ShimReply reply;
            try {
                reply = new ShimReply(null, handler.handle(ShimCodec.decodeRequest(line)));
            } catch (Exception e) {
                reply = new ShimReply(e.getMessage() == null ? e.toString() : e.getMessage(), null);
            }
            ByteBuffer out = ByteBuffer.wrap((ShimCodec.encode(reply) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ch.write(out);
            }
        } catch (IOException e) {
            // The CLI went away mid-request; nothing is left to answer.
        }
    }

    /** One request is at most this long: an exec's process with the largest arguments the agent takes. */
    static final int MAX_LINE = 4 << 20;

    /** The first line, or null at once at end of input; a longer one is an error, not a heap's worth. */
    static String boundedLine(java.io.InputStream in) throws IOException {
        return boundedLine(new java.io.BufferedInputStream(in), MAX_LINE);
    }

    /** As above, at most {@code max} bytes, reading byte by byte (nothing past the line is consumed). */
    static String boundedLine(java.io.InputStream bytes, int max) throws IOException {
        var buf = new java.io.ByteArrayOutputStream();
        for (int b = bytes.read(); b != '\n'; b = bytes.read()) {
            if (b < 0) {
                return buf.size() == 0 ? null : buf.toString(StandardCharsets.UTF_8);
            }
            if (buf.size() >= max) {
                throw new IOException("request longer than " + max + " bytes");
            }
            buf.write(b);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
    }
}
