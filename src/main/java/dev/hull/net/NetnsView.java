package dev.hull.net;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * What {@link NetnsOwnership} needs to know of a network namespace and of the host's processes, behind an
 * interface so that the rule can be tested without making namespaces ({@link LiveNetns} asks the kernel).
 */
public interface NetnsView {
    /** A process in the namespace: its pid and its name ({@code /proc/PID/comm}). */
    record Proc(long pid, String name) {
    }

    /**
     * An interface of the namespace as {@code ip -d link} shows it.
     *
     * @param linkType {@code loopback}, {@code ether}, {@code none}…
     * @param kind the driver that made it ({@code veth}, {@code dummy}…); null for a device of its own (physical)
     */
    record Iface(String name, String linkType, String kind) {
    }

    /** Whether {@code ns} is the host's network namespace (that of process 1), whatever path names it. */
    boolean isHosts(Path ns);

    /** The processes whose network namespace is {@code ns}; those that end or cannot be read are left out. */
    List<Proc> processes(Path ns);

    /** The parent of {@code pid}; empty once it is gone. */
    OptionalLong parent(long pid);

    /** The namespace's interfaces. */
    List<Iface> interfaces(Path ns) throws NetException;
}
