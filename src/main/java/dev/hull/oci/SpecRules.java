package dev.hull.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What runc refuses in a config.json before it makes anything, and so does Hull (before a VM boots): an
 * unknown namespace type or rlimit. An unknown capability runc warns about and leaves out ({@link #warnings}).
 */
public final class SpecRules {
    /** Linux 6.1's capabilities, 0 to 40. */
    public static final Set<String> CAPABILITIES = Set.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
            "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
            "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
            "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
            "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
            "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
            "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");
    public static final Set<String> NAMESPACES = Set.of("pid", "network", "mount", "ipc", "uts", "user", "cgroup",
            "time");
    public static final Set<String> RLIMITS = Set.of("RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK",
            "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",
            "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME");

    private SpecRules() {
    }

    /**
     * The agent reads a request of at most 1 MiB (docs/agent-protocol.md): the process's arguments and
     * environment must leave room for the rest of create.
     */
    public static final int MAX_ARGS_AND_ENV = 768 << 10;

    /** What is wrong with {@code process} (at {@code where}: "process"), if anything. */
    public static Optional<String> check(Process process, String where) {
        long bytes = 0;
        for (String s : process.args()) {
            bytes += s.getBytes(StandardCharsets.UTF_8).length + 4;
        }
        for (String s : process.env()) {
            bytes += s.getBytes(StandardCharsets.UTF_8).length + 4;
        }
        if (bytes > MAX_ARGS_AND_ENV) {
            return Optional.of(where + ".args and " + where + ".env take " + bytes + " bytes; at most "
                    + MAX_ARGS_AND_ENV + " fit the guest agent's requests");
        }
        // runc's rule: the workload starts somewhere definite, not relative to whatever the runtime's is.
        if (process.cwd() == null || process.cwd().isEmpty()) {
            return Optional.of(where + ".cwd must not be empty");
        }
        if (!process.cwd().startsWith("/")) {
            return Optional.of(where + ".cwd \"" + process.cwd() + "\" must be an absolute path");
        }
        if (process.rlimits() != null) {
            for (Process.Rlimit r : process.rlimits()) {
                if (!RLIMITS.contains(r.type())) {
                    return Optional.of(where + ".rlimits: unknown rlimit type \"" + r.type() + "\"");
                }
                if (Long.compareUnsigned(r.soft(), r.hard()) > 0) {
                    return Optional.of(where + ".rlimits: " + r.type() + " soft limit " + r.soft()
                            + " is above its hard limit " + r.hard());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * What runc warns about and goes on without: capabilities it does not know (a newer kernel's, a typo),
     * each named once in runc's words; the guest agent leaves them out of the sets.
     */
    public static List<String> warnings(Process process) {
        if (process == null || process.capabilities() == null) {
            return List.of();
        }
        Set<String> unknown = new TreeSet<>();
        for (List<String> set : process.capabilities().sets()) {
            for (String cap : set == null ? List.<String>of() : set) {
                if (!CAPABILITIES.contains(cap)) {
                    unknown.add(cap);
                }
            }
        }
        return unknown.isEmpty() ? List.of()
                : List.of("ignoring unknown or unavailable capabilities: [" + String.join(" ", unknown) + "]");
    }

    /** What is wrong with the whole configuration, if anything. */
    public static Optional<String> check(Spec spec) {
        Optional<String> process = spec.process() == null ? Optional.empty() : check(spec.process(), "process");
        if (process.isPresent()) {
            return process;
        }
        Optional<String> hooks = checkHooks(spec.hooks());
        if (hooks.isPresent()) {
            return hooks;
        }
        var guest = spec.linux().guest();
        Optional<String> resources = checkResources(guest == null ? null : guest.get("resources"));
        if (resources.isPresent()) {
            return resources;
        }
        Set<String> seen = new HashSet<>();
        for (Linux.Namespace ns : spec.linux().namespaces()) {
            if (ns.type() == null || !NAMESPACES.contains(ns.type())) {
                return Optional.of("linux.namespaces: unknown namespace type \"" + ns.type() + "\"");
            }
            if (!seen.add(ns.type())) {
                return Optional.of("linux.namespaces: \"" + ns.type() + "\" is given twice");
            }
        }
        return Optional.empty();
    }

    /** Every hook names its program by an absolute path (the spec's rule), with a timeout above zero. */
    static Optional<String> checkHooks(Hooks hooks) {
        if (hooks == null) {
            return Optional.empty();
        }
        var phases = new LinkedHashMap<String, List<Hooks.Hook>>();
        phases.put("prestart", hooks.prestart());
        phases.put("createRuntime", hooks.createRuntime());
        phases.put("createContainer", hooks.createContainer());
        phases.put("startContainer", hooks.startContainer());
        phases.put("poststart", hooks.poststart());
        phases.put("poststop", hooks.poststop());
        for (var phase : phases.entrySet()) {
            List<Hooks.Hook> list = Hooks.orEmpty(phase.getValue());
            for (int i = 0; i < list.size(); i++) {
                Hooks.Hook h = list.get(i);
                String where = "hooks." + phase.getKey() + "[" + i + "]";
                if (h.path() == null || !h.path().startsWith("/")) {
                    return Optional.of(where + ".path must be an absolute path"
                            + (h.path() == null ? " (it is missing)" : " (it is \"" + h.path() + "\")"));
                }
                if (h.timeout() != null && h.timeout() <= 0) {
                    return Optional.of(where + ".timeout must be above zero (it is " + h.timeout() + ")");
                }
            }
        }
        return Optional.empty();
    }

    /** linux.resources' numbers and strings, as runc's JSON types them (a limit of "abc" is no limit). */
    private static final Map<String, List<String>> INTEGERS = Map.of(
            "memory", List.of("limit", "reservation", "swap", "kernel", "kernelTCP", "swappiness"),
            "cpu", List.of("shares", "quota", "burst", "period", "realtimeRuntime", "realtimePeriod", "idle"),
            "pids", List.of("limit"),
            "blockIO", List.of("weight", "leafWeight"));
    private static final Map<String, List<String>> STRINGS = Map.of(
            "cpu", List.of("cpus", "mems"));

    static Optional<String> checkResources(JsonNode resources) {
        if (resources == null || resources.isNull()) {
            return Optional.empty();
        }
        if (!resources.isObject()) {
            return Optional.of("linux.resources must be an object");
        }
        for (var group : INTEGERS.entrySet()) {
            var g = resources.get(group.getKey());
            if (g == null || g.isNull()) {
                continue;
            }
            if (!g.isObject()) {
                return Optional.of("linux.resources." + group.getKey() + " must be an object");
            }
            for (String field : group.getValue()) {
                var v = g.get(field);
                if (v != null && !v.isNull() && !v.isIntegralNumber()) {
                    return Optional.of("linux.resources." + group.getKey() + "." + field + " must be an integer");
                }
            }
            for (String field : STRINGS.getOrDefault(group.getKey(), List.of())) {
                var v = g.get(field);
                if (v != null && !v.isNull() && !v.isTextual()) {
                    return Optional.of("linux.resources." + group.getKey() + "." + field + " must be a string");
                }
            }
        }
        var devices = resources.get("devices");
        if (devices != null && !devices.isNull() && !devices.isArray()) {
            return Optional.of("linux.resources.devices must be an array");
        }
        var unified = resources.get("unified");
        if (unified != null && !unified.isNull()) {
            if (!unified.isObject()) {
                return Optional.of("linux.resources.unified must be an object of strings");
            }
            for (var e : unified.properties()) {
                if (!e.getValue().isTextual()) {
                    return Optional.of("linux.resources.unified." + e.getKey() + " must be a string");
                }
            }
        }
        return Optional.empty();
    }
}
