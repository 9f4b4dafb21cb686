package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The CLI's side of {@code shim.sock}. */
public final class ShimClient {
    private ShimClient() {
    }

    /** Sends one request and returns the shim's data once it has carried it out; a refusal is an exception. */
    public static JsonNode call(Path socket, ShimRequest request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer line = ByteBuffer.wrap((ShimCodec.encode(request) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            while (line.hasRemaining()) {
                ch.write(line);
            }
            var reader = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            String answer = reader.readLine();
            if (answer == null) {
                throw new IOException("the container's shim closed the connection without answering");
            }
            ShimReply reply = ShimCodec.decodeReply(answer);
            if (reply.error() != null) {
                throw new IOException(reply.error());
            }
            return reply.data();
        }
    }
}
