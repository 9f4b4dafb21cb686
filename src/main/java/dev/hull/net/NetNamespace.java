package dev.hull.net;

import dev.hull.oci.Spec;
import dev.hull.sys.Namespaces;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * The network namespace config.json gives the container, and how Hull's processes get into it. The shim
 * (whose pid is the container's, the pid hooks and managers look at) and its qemu live there, so a manager
 * that sets up the network through /proc/PID/ns/net (docker) or a named namespace (podman) finds it.
 */
public record NetNamespace(Kind kind, Path path) {
    public enum Kind {
        /** No network namespace in config.json: the host's network, which a VM does not get. */
        HOST,
        /** A namespace without a path: a fresh one, which hooks may populate (docker's setkey). */
        NEW,
        /** An existing namespace the manager made (podman, CNI). */
        JOIN
    }

    public static NetNamespace of(Spec spec) {
        return spec.linux().namespace("network")
                .map(ns -> ns.path() == null || ns.path().isBlank() ? new NetNamespace(Kind.NEW, null)
                        : new NetNamespace(Kind.JOIN, Path.of(ns.path())))
                .orElse(new NetNamespace(Kind.HOST, null));
    }

    /** A clear error at create, before anything is made, when the namespace cannot be entered. */
    public void check() throws NetException {
        if (kind == Kind.JOIN) {
            var why = Namespaces.whyNotEnterable(path, Namespaces.CLONE_NEWNET);
            if (why.isPresent()) {
                throw new NetException("cannot enter the network namespace " + path
                        + " (linux.namespaces in config.json): " + why.get());
            }
        }
    }

    /**
     * A clear error at create, before anything is made, when a namespace to join is not Hull's to take over
     * (see {@link NetnsOwnership}). Asked only where the container would boot a VM of its own: a pod's
     * members join their owner's VM and mirror nothing.
     */
    public void checkOwned(NetnsView view, Set<Long> hullPids) throws NetException {
        if (kind != Kind.JOIN) {
            return;
        }
        Optional<String> why;
        try {
            why = NetnsOwnership.whyNot(view, path, hullPids);
        } catch (NetException e) {
            throw new NetException("cannot read the network namespace " + path
                    + " (linux.namespaces in config.json): " + e.getMessage(), e);
        }
        if (why.isPresent()) {
            throw new NetException("cannot take over the network namespace " + path
                    + " (linux.namespaces in config.json): " + why.get() + "; Hull carries all of a namespace's"
                    + " traffic into the container's VM, so it takes only one a container manager made for the"
                    + " container (loopback, veth, macvlan or ipvlan interfaces, no other process)");
        }
    }
}
