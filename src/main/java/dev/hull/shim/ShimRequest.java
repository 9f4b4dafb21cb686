package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.oci.Process;

/**
 * What a CLI verb asks of a container's shim over {@code shim.sock}: one JSON line (its {@code op} names the
 * request, {@link ShimCodec}), one JSON answer.
 */
public sealed interface ShimRequest {
    record Start() implements ShimRequest {
    }

    record Kill(int signal, boolean all) implements ShimRequest {
    }

    record Pause() implements ShimRequest {
    }

    record Resume() implements ShimRequest {
    }

    record Ps() implements ShimRequest {
    }

    record Stats() implements ShimRequest {
    }

    /**
     * Runs {@code process} in the container with the stdio of process {@code clientPid} (the CLI, which
     * stays alive until the exec ends): the shim duplicates its fds 0..2 with pidfd_getfd(2)
     * ({@link dev.hull.sys.ProcessFds}; /proc/PID/fd where that is refused, and for a terminal).
     */
    record Exec(String exec, long clientPid, Process process, String consoleSocket)
            implements ShimRequest {
    }

    /** Answers with {@code {"code": N}} once the exec'd process has ended and its output is delivered. */
    record WaitExec(String exec) implements ShimRequest {
    }

    /** {@code resources}: OCI linux.resources (memory.limit, cpu.quota/period, pids.limit). */
    record Update(JsonNode resources) implements ShimRequest {
    }
}
