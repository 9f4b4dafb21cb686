package dev.hull.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.hull.oci.Mount;
import dev.hull.oci.Process;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Requests the host sends to hull-agent (docs/agent-protocol.md). Each is written as a JSON object whose
 * {@code op} names the request; the client adds the {@code id}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Request.Hello.class, name = "hello"),
    @JsonSubTypes.Type(value = Request.Create.class, name = "create"),
    @JsonSubTypes.Type(value = Request.Start.class, name = "start"),
    @JsonSubTypes.Type(value = Request.Exec.class, name = "exec"),
    @JsonSubTypes.Type(value = Request.Signal.class, name = "signal"),
    @JsonSubTypes.Type(value = Request.Resize.class, name = "resize"),
    @JsonSubTypes.Type(value = Request.Wait.class, name = "wait"),
    @JsonSubTypes.Type(value = Request.Ps.class, name = "ps"),
    @JsonSubTypes.Type(value = Request.Stats.class, name = "stats"),
    @JsonSubTypes.Type(value = Request.Update.class, name = "update"),
    @JsonSubTypes.Type(value = Request.Delete.class, name = "delete"),
    @JsonSubTypes.Type(value = Request.Network.class, name = "network"),
    @JsonSubTypes.Type(value = Request.Dns.class, name = "dns"),
    @JsonSubTypes.Type(value = Request.Shutdown.class, name = "shutdown"),
    @JsonSubTypes.Type(value = Request.SetTime.class, name = "settime"),
    @JsonSubTypes.Type(value = Request.Freeze.class, name = "freeze"),
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface Request {
    int PROTOCOL_VERSION = 1;

    /** The name the protocol gives this request, used in error messages. */
    default String op() {
        return getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }

    record Hello(int version) implements Request {
    }

    /**
     * {@code mounts} null: the agent's default set. {@code shares}: 9p tags the agent mounts under
     * /run/hull/vol/TAG first (volumes), which mount sources may name. {@code sysctl}: linux.sysctl, or
     * null. {@code linux}: the parts of config.json's linux object the agent applies (Linux.GUEST_FIELDS), or
     * null. {@code root}: where the container's root is in the VM's share (a pod member's folder), null for the
     * share itself; {@code join}: namespace type (uts, ipc) to the container of the same VM whose namespace
     * this one shares.
     */
    record Create(String container, String hostname, boolean readonly, Process process, List<Mount> mounts,
            Stdio stdio, List<VolumeShare> shares, Map<String, String> sysctl,
            com.fasterxml.jackson.databind.JsonNode linux, String root, Map<String, String> join) implements Request {
        public Create(String container, String hostname, boolean readonly, Process process, List<Mount> mounts,
                Stdio stdio) {
            this(container, hostname, readonly, process, mounts, stdio, null, null, null, null, null);
        }

        public Create(String container, String hostname, boolean readonly, Process process, List<Mount> mounts,
                Stdio stdio, List<VolumeShare> shares, Map<String, String> sysctl,
                com.fasterxml.jackson.databind.JsonNode linux) {
            this(container, hostname, readonly, process, mounts, stdio, shares, sysctl, linux, null, null);
        }
    }

    record VolumeShare(String tag, boolean readonly) {
    }

    record Start(String container) implements Request {
    }

    record Exec(String container, String exec, Process process, Stdio stdio) implements Request {
    }

    record Signal(String container, String exec, int signal, boolean all) implements Request {
    }

    record Resize(String container, String exec, int rows, int cols) implements Request {
    }

    record Wait(String container, String exec) implements Request {
    }

    record Ps(String container) implements Request {
    }

    record Stats(String container) implements Request {
    }

    /** {@code resources} is the OCI linux.resources object (memory.limit, cpu.quota/period, pids.limit). */
    record Update(String container, com.fasterxml.jackson.databind.JsonNode resources) implements Request {
    }

    record Delete(String container) implements Request {
    }

    /**
     * The VM's NICs (found by MAC) get these names, MTUs and addresses; then the routes are added.
     * {@code dnsRelay}: an address whose port 53 the agent relays to the host (docker's 127.0.0.11), or null.
     */
    record Network(List<dev.hull.net.Link> interfaces, List<dev.hull.net.Route> routes, String dnsRelay)
            implements Request {
    }

    /** The answer to the relayed DNS query {@code query} (the event's id), base64. */
    record Dns(long query, String answer) implements Request {
    }

    record Shutdown() implements Request {
    }

    /** The guest's wall clock becomes {@code realtime}: the host's, in nanoseconds since the epoch. */
    record SetTime(long realtime) implements Request {
        /** The host's wall clock now. */
        public static SetTime now() {
            java.time.Instant t = java.time.Instant.now();
            return new SetTime(t.getEpochSecond() * 1_000_000_000L + t.getNano());
        }
    }

    /** Freezes ({@code frozen}) or thaws every process of the container (its guest cgroup). */
    record Freeze(String container, boolean frozen) implements Request {
    }
}
