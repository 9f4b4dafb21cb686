package dev.hull.shim;

import dev.hull.error.HullException;
import dev.hull.error.InternalException;
import dev.hull.io.SocketLines;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a create's (or an exec relay's) outcome reaches the CLI waiting on its notify.sock: one line,
 * {@code ok} or {@code error[KIND] <why>}, the kind as {@code shim.sock} names it
 * ({@link HullException.Kind#wire()}), so the CLI throws what failed. An older shim (a pod's VM owner
 * outlives upgrades) writes {@code error <why>}: an internal fault.
 */
public final class NotifySocket {
    private static final String OK = "ok";
    private static final Pattern ERROR = Pattern.compile("error(?:\\[([a-z-]+)\\])? (.*)");

    private NotifySocket() {
    }

    public static void ok(Path socket) {
        tell(socket, OK);
    }

    public static void failed(Path socket, Exception e) {
        tell(socket, "error[" + HullException.kindOf(e).wire() + "] " + HullException.message(e));
    }

    /**
     * What a notify line says: null for {@code ok}, else the failure to throw ({@code silent} when the
     * other end closed without a word).
     */
    public static HullException failure(String line, String silent) {
        if (OK.equals(line)) {
            return null;
        }
        if (line == null) {
            return new InternalException(silent);
        }
        Matcher m = ERROR.matcher(line);
        if (!m.matches()) {
            return new InternalException(line);
        }
        return HullException.of(HullException.Kind.fromWire(m.group(1)), m.group(2));
    }

    private static void tell(Path socket, String line) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            new SocketLines(ch).write(line);
        } catch (IOException e) {
            // The CLI is gone (killed); it cleans up by the shim's absence.
        }
    }
}
