package dev.hull.oci;

import java.util.List;
import java.util.Optional;

/**
 * The host namespaces a config.json asks to share, which a container in a VM cannot: in runc a type left
 * out of {@code linux.namespaces} means the host's namespace of that type (podman's and docker's
 * {@code --network host}, {@code --pid host}, {@code --ipc host}; Kubernetes' hostNetwork, hostPID,
 * hostIPC leave them out). Hull's VM has a network stack, processes and IPC of its own, so it would give
 * the container something else than asked, silently: it refuses instead, as users of VM runtimes expect.
 * A config.json with no namespaces at all (no list, or an empty one) is taken as a bare bundle that
 * names none, not as a request for every host namespace: no manager writes one, and runc's own
 * {@code spec} lists them. (uts is not refused: the hostname is only a name, set in the guest as config.json
 * says; mount, cgroup, user and time are the guest's anyway.)
 */
public final class HostNamespaces {
    private record Shared(String type, String what, String flags, String own) {
    }

    private static final List<Shared> REFUSED = List.of(
            new Shared("network", "the host's network", "--network host and hostNetwork", "a network"),
            new Shared("pid", "the host's processes", "--pid host and hostPID", "processes"),
            new Shared("ipc", "the host's System V IPC and POSIX message queues", "--ipc host and hostIPC", "IPC"));

    private HostNamespaces() {
    }

    /** Why the container cannot be made: the first host namespace it would share, or empty. */
    public static Optional<String> whyNot(Linux linux) {
        if (linux.namespaces().isEmpty()) {
            return Optional.empty();
        }
        for (Shared s : REFUSED) {
            if (linux.namespace(s.type()).isEmpty()) {
                return Optional.of("linux.namespaces has no " + s.type() + " namespace: the container would share "
                        + s.what() + " (as " + s.flags() + " ask), which a container in a VM cannot: its VM has "
                        + s.own() + " of its own. Give the container a " + s.type() + " namespace of its own or"
                        + " its pod's");
            }
        }
        return Optional.empty();
    }
}
