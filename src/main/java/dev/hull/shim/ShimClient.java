package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.error.HullException;
import dev.hull.io.SocketLines;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** The CLI's side of {@code shim.sock}. */
public final class ShimClient {
    private ShimClient() {
    }

    /**
     * Sends one request and returns the shim's data once it has carried it out; a refusal is thrown as the
     * kind of exception the shim threw, a shim that cannot be reached as an IOException.
     */
    public static JsonNode call(Path socket, ShimRequest request) throws IOException, HullException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            SocketLines lines = new SocketLines(ch);
            lines.write(ShimCodec.encode(request));
            String answer = lines.read();
            if (answer == null) {
                throw new IOException("the container's shim closed the connection without answering");
            }
            return ShimCodec.decodeReply(answer).dataOrThrow();
        }
    }
}
