package dev.hull.oci;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What runc refuses in a config.json before it makes anything, and so does Hull (before a VM boots): an
 * unknown capability, namespace type or rlimit.
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
    private static final String[] SETS = {"bounding", "effective", "inheritable", "permitted", "ambient"};

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
            bytes += s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 4;
        }
        for (String s : process.env()) {
            bytes += s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 4;
        }
        if (bytes > MAX_ARGS_AND_ENV) {
            return Optional.of(where + ".args and " + where + ".env take " + bytes + " bytes; at most "
                    + MAX_ARGS_AND_ENV + " fit the guest agent's requests");
        }
        if (process.capabilities() != null) {
            List<List<String>> sets = process.capabilities().sets();
            for (int i = 0; i < SETS.length; i++) {
                for (String cap : sets.get(i) == null ? List.<String>of() : sets.get(i)) {
                    if (!CAPABILITIES.contains(cap)) {
                        return Optional.of(where + ".capabilities." + SETS[i] + ": unknown capability \"" + cap + "\"");
                    }
                }
            }
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

    /** What is wrong with the whole configuration, if anything. */
    public static Optional<String> check(Spec spec) {
        Optional<String> process = spec.process() == null ? Optional.empty() : check(spec.process(), "process");
        if (process.isPresent()) {
            return process;
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
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
}
