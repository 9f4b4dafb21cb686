package dev.hull.shim;

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
     * stays alive until the exec ends): the shim opens its /proc/PID/fd/0..2.
     */
    record Exec(String exec, long clientPid, dev.hull.oci.Process process, String consoleSocket)
            implements ShimRequest {
    }

    /** Answers with {@code {"code": N}} once the exec'd process has ended and its output is delivered. */
    record WaitExec(String exec) implements ShimRequest {
    }

    /** {@code resources}: OCI linux.resources (memory.limit, cpu.quota/period, pids.limit). */
    record Update(com.fasterxml.jackson.databind.JsonNode resources) implements ShimRequest {
    }
}
