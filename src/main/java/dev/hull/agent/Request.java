package dev.hull.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.net.Link;
import dev.hull.net.Route;
import dev.hull.oci.Mount;
import dev.hull.oci.Process;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Requests the host sends to hull-agent (docs/agent-protocol.md). Each is written as a JSON object whose
 * {@code op} names the request (by {@link RequestJson#tree}, the one writer; the golden files under
 * src/test/resources/golden/agent/ are what it writes, and the agent's unit tests read them); the client adds
 * the {@code id}. The set of records is the set of ops of guest/agent/agent.h's AGENT_OPS
 * (ProtocolContractTest).
 */
public sealed interface Request {
    /** The protocol versions this host speaks; hello settles on the highest one the agent speaks too. */
    int MIN_VERSION = 1;
    int MAX_VERSION = 1;

    /** The name the protocol gives this request, used in error messages. */
    default String op() {
        return op(getClass());
    }

    /** The op of a kind of request: its record's name in lower case. */
    static String op(Class<? extends Request> kind) {
        return kind.getSimpleName().toLowerCase(Locale.ROOT);
    }

    /** The range of protocol versions the host speaks. */
    record Hello(int minVersion, int maxVersion) implements Request {
        public static Hello ofThisHost() {
            return new Hello(MIN_VERSION, MAX_VERSION);
        }
    }

    /**
     * {@code mounts} null: the agent's default set. {@code shares}: 9p tags the agent mounts under
     * /run/hull/vol/TAG first (volumes), which mount sources may name. {@code sysctl}: linux.sysctl, or
     * null. {@code linux}: the parts of config.json's linux object the agent applies (Linux.GUEST_FIELDS), or
     * null. {@code root}: where the container's root is in the VM's share (a pod member's folder), null for the
     * share itself; {@code join}: namespace type (uts, ipc, pid) to the container of the same VM whose namespace
     * this one shares.
     */
    record Create(String container, String hostname, boolean readonly, Process process, List<Mount> mounts,
            Stdio stdio, List<VolumeShare> shares, Map<String, String> sysctl,
            JsonNode linux, String root, Map<String, String> join) implements Request {
        public Create(String container, String hostname, boolean readonly, Process process, List<Mount> mounts,
                Stdio stdio) {
            this(container, hostname, readonly, process, mounts, stdio, null, null, null, null, null);
        }

        public Create(String container, String hostname, boolean readonly, Process process, List<Mount> mounts,
                Stdio stdio, List<VolumeShare> shares, Map<String, String> sysctl,
                JsonNode linux) {
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
    record Update(String container, JsonNode resources) implements Request {
    }

    record Delete(String container) implements Request {
    }

    /**
     * The VM's NICs (found by MAC) get these names, MTUs and addresses; then the routes are added.
     * {@code dnsRelay}: an address whose port 53 the agent relays to the host (docker's 127.0.0.11), or null.
     */
    record Network(List<Link> interfaces, List<Route> routes, String dnsRelay)
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
            return ahead(0);
        }

        /** The host's wall clock {@code nanos} from now: when a request sent now will be carried out. */
        public static SetTime ahead(long nanos) {
            Instant t = Instant.now();
            return new SetTime(t.getEpochSecond() * 1_000_000_000L + t.getNano() + nanos);
        }
    }

    /** Freezes ({@code frozen}) or thaws every process of the container (its guest cgroup). */
    record Freeze(String container, boolean frozen) implements Request {
    }

    /**
     * A TCP connection to 127.0.0.1:{@code port} in the guest: the host's bytes for it go on stream
     * {@code in}, the server's come back on stream {@code out}.
     */
    record Forward(int port, int in, int out) implements Request {
    }

    /**
     * Makes a VM restored from a template (booted with {@code hull.template=1}) a clone of its own: the host's
     * random bytes, base64 in {@code entropy}, reseed the guest's CRNG; each of {@code macs} gives the NIC
     * with the template's MAC the container's; then the agent mounts the share.
     */
    record Clone(String entropy, List<MacChange> macs) implements Request {
        public Clone {
            macs = List.copyOf(macs);
        }

        /** The NIC whose MAC is {@code from} (the template's) gets {@code to}. */
        public record MacChange(String from, String to) {
        }

        /** The fewest and most bytes of entropy the agent takes (agent.h's CLONE_MIN_ENTROPY, CLONE_MAX_ENTROPY). */
        public static final int MIN_ENTROPY = 32;
        public static final int MAX_ENTROPY = 512;

        public static Clone of(byte[] entropy, List<MacChange> macs) {
            if (entropy.length < MIN_ENTROPY || entropy.length > MAX_ENTROPY) {
                throw new IllegalArgumentException("clone takes " + MIN_ENTROPY + " to " + MAX_ENTROPY
                        + " bytes of entropy, not " + entropy.length);
            }
            return new Clone(Base64.getEncoder().encodeToString(entropy), macs);
        }
    }
}
