package dev.hull.shim;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** How a create's outcome reaches the CLI waiting on its notify.sock: one line, {@code ok} or {@code error <why>}. */
public final class NotifySocket {
    private NotifySocket() {
    }

    public static void tell(Path socket, String line) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap((line.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            // The CLI is gone (killed); it cleans up by the shim's absence.
        }
    }
}
