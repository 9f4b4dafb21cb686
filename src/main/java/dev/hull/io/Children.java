package dev.hull.io;

import dev.hull.error.HullException;
import dev.hull.error.InternalException;
import dev.hull.time.Deadline;
import java.io.File;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;

/** Hull's own child processes: their stdio, the connection each makes (or has made for it), their end. */
public final class Children {
    private static final Duration POLL = Duration.ofMillis(5);

    private Children() {
    }

    /**
     * Waits for a connection to {@code server}; {@code child} dying first (with a status other than 0, when
     * {@code mayExit}: a process that hands its work to another and exits) or the deadline is an error, and
     * a child still running at the deadline is killed.
     */
    public static SocketChannel await(ServerSocketChannel server, Process child, String what, Duration deadline,
            boolean mayExit) throws IOException, HullException {
        server.configureBlocking(false);
        SocketChannel[] accepted = new SocketChannel[1];
        boolean ended = Deadline.within(deadline, POLL, () -> (accepted[0] = server.accept()) != null
                || !child.isAlive() && (!mayExit || child.exitValue() != 0));
        if (accepted[0] != null) {
            accepted[0].configureBlocking(true);
            return accepted[0];
        }
        if (ended) {
            throw new InternalException("the " + what + " exited with status " + child.exitValue()
                    + " before it was ready (see the log)");
        }
        kill(child);
        throw new InternalException("not ready within " + deadline);
    }

    /**
     * The container's stdio is the child's to hold, unless the container has a terminal: then the pty is its
     * stdio, and holding the caller's pipes would keep them open forever (containerd's shim waits for EOF on
     * the pipes it gave the runtime before it goes on to start the container).
     */
    public static ProcessBuilder withStdio(ProcessBuilder pb, boolean inherit) {
        if (inherit) {
            return pb.inheritIO();
        }
        File devNull = Path.of("/dev/null").toFile();
        return pb.redirectInput(ProcessBuilder.Redirect.from(devNull))
                .redirectOutput(ProcessBuilder.Redirect.to(devNull))
                .redirectError(ProcessBuilder.Redirect.to(devNull));
    }

    /** Ends {@code p} and whatever it started, and reaps it. */
    public static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
