package dev.hull.shim;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** What a CLI verb asks of a container's shim over {@code shim.sock}: one JSON line, one JSON answer. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ShimRequest.Start.class, name = "start"),
    @JsonSubTypes.Type(value = ShimRequest.Kill.class, name = "kill"),
    @JsonSubTypes.Type(value = ShimRequest.Pause.class, name = "pause"),
    @JsonSubTypes.Type(value = ShimRequest.Resume.class, name = "resume"),
    @JsonSubTypes.Type(value = ShimRequest.Ps.class, name = "ps"),
    @JsonSubTypes.Type(value = ShimRequest.Stats.class, name = "stats"),
    @JsonSubTypes.Type(value = ShimRequest.Update.class, name = "update"),
    @JsonSubTypes.Type(value = ShimRequest.Exec.class, name = "exec"),
    @JsonSubTypes.Type(value = ShimRequest.WaitExec.class, name = "wait-exec"),
})
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
