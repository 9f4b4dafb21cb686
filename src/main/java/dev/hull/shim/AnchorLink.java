package dev.hull.shim;

import dev.hull.io.SocketLines;
import dev.hull.logging.Log;
import dev.hull.state.Status;
import dev.hull.sys.ExitCodes;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * The VM owner's end of one connection from a container's host process (hull-member: the anchor, whose pid
 * is the container's). The anchor says who it is ({@link MemberRequest}, with its pid), then, once its
 * namespaces and root are made, {@code ready} (after a {@code warn} line for each volume it could not show)
 * or {@code error <why>}; it then passes on the signals it is sent and waits for the container's exit code.
 * The connection closing early means the anchor was killed.
 */
final class AnchorLink implements AutoCloseable {
    /** A request is one short line (an id and three paths); the rest are short lines too. */
    private static final int MAX_LINE = 64 << 10;
    /** hull-member warns at most once a volume, and takes at most 512. */
    private static final int MAX_WARNINGS = 1024;
    /** Linux's highest signal number (SIGRTMAX). */
    private static final int MAX_SIGNAL = 64;

    private final SocketChannel channel;
    private final SocketLines lines;
    private final MemberRequest request;

    private AnchorLink(SocketChannel channel, SocketLines lines, MemberRequest request) {
        this.channel = channel;
        this.lines = lines;
        this.request = request;
    }

    /** Reads the anchor's request; null when it closed before saying anything. */
    static AnchorLink accept(SocketChannel channel) throws IOException {
        SocketLines lines = new SocketLines(channel, MAX_LINE);
        String line = lines.read();
        return line == null ? null : new AnchorLink(channel, lines, MemberRequest.parse(line));
    }

    MemberRequest request() {
        return request;
    }

    /** Waits until the anchor's namespaces and root are made; throws with what it could not make. */
    void awaitReady() throws IOException {
        for (int i = 0; i < MAX_WARNINGS; i++) {
            String line = lines.read();
            if (line == null) {
                throw new IOException("the container's host process " + request.pid() + " ended before it was ready");
            }
            if (line.equals("ready")) {
                return;
            }
            if (line.startsWith("error ")) {
                throw new IOException("the container's host process: " + Log.printable(line.substring(6)));
            }
            if (line.startsWith("warn ")) {
                Log.warn(request.id() + ": its pid will not show " + Log.printable(line.substring(5)));
            }
        }
        throw new IOException("the container's host process " + request.pid() + " said too much");
    }

    /**
     * Binds the container's life to the anchor's: the anchor gone before it was told the exit code (killed
     * by a manager or anyone) ends the container, which nothing else would.
     */
    void bind(GuestContainer container) {
        Thread.ofPlatform().daemon().name("hull-anchor-watch").start(() -> {
            try {
                for (String line = lines.read(); line != null; line = lines.read()) {
                    signal(container, line);
                }
            } catch (IOException ignored) {
                // Closed: the same as gone.
            }
            if (container.state().status() == Status.STOPPED) {
                return;
            }
            Log.warn("the host process of " + container.id() + " is gone; ending the container");
            try {
                container.kill(ExitCodes.SIGKILL, true);
            } catch (Exception e) {
                Log.debug("kill " + container.id() + ": " + e.getMessage());
            }
        });
    }

    /**
     * A signal sent to the anchor ({@code signal N}): sent to the container's pid with runc, it reaches the
     * workload, so here too.
     */
    private static void signal(GuestContainer container, String line) {
        int signal;
        try {
            signal = line.startsWith("signal ") ? Integer.parseInt(line.substring(7)) : 0;
        } catch (NumberFormatException e) {
            signal = 0;
        }
        if (signal < 1 || signal > MAX_SIGNAL) {
            Log.debug(container.id() + ": its host process said " + Log.printable(line));
            return;
        }
        try {
            container.kill(signal, false);
        } catch (Exception e) {
            Log.debug("signal " + signal + " to " + container.id() + ": " + e.getMessage());
        }
    }

    /** The container's exit code, which the anchor exits with. */
    void exit(int code) throws IOException {
        lines.write(Integer.toString(code));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
