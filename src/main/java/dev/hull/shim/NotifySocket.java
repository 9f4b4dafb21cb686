package dev.hull.shim;

import dev.hull.io.SocketLines;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** How a create's outcome reaches the CLI waiting on its notify.sock: one line, {@code ok} or {@code error <why>}. */
public final class NotifySocket {
    private NotifySocket() {
    }

    public static void tell(Path socket, String line) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            new SocketLines(ch).write(line);
        } catch (IOException e) {
            // The CLI is gone (killed); it cleans up by the shim's absence.
        }
    }
}
