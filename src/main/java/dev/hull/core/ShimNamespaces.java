package dev.hull.core;

import dev.hull.error.BadInputException;
import dev.hull.error.HullException;
import dev.hull.logging.Log;
import dev.hull.net.NetException;
import dev.hull.net.NetNamespace;
import dev.hull.net.NetnsView;
import dev.hull.oci.Linux;
import dev.hull.oci.Spec;
import dev.hull.state.StateStore;
import dev.hull.sys.Namespaces;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The host namespaces of the shim and of the container's anchor (whose pid Hull reports as the container's;
 * it inherits them, or, for a pod member, is started in them): the network namespace (where qemu's taps
 * are), and, as runc's container process would have them, its own ipc and uts namespaces, or the ones
 * config.json names by path. A manager that looks at /proc/PID/ns then finds the container's. (The
 * workload's real namespaces are in the guest.) A cgroup namespace's path is only checked.
 */
public record ShimNamespaces(NetNamespace net, Optional<Linux.Namespace> ipc, Optional<Linux.Namespace> uts,
        Optional<Linux.Namespace> cgroup) {

    public static ShimNamespaces of(Spec spec) {
        return new ShimNamespaces(NetNamespace.of(spec), spec.linux().namespace("ipc"), spec.linux().namespace("uts"),
                spec.linux().namespace("cgroup"));
    }

    /** A clear error at create, before anything is made: a path that is missing or of another type. */
    public void check() throws HullException {
        try {
            net.check();
        } catch (NetException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        checkPath(ipc, Namespaces.CLONE_NEWIPC);
        checkPath(uts, Namespaces.CLONE_NEWUTS);
        // Not joined on the host (the container's cgroup namespace is the guest's), but refused as runc
        // refuses it: a path that is no cgroup namespace is a mistake in config.json.
        checkPath(cgroup, Namespaces.CLONE_NEWCGROUP);
    }

    /**
     * A clear error at create, before anything is made, when the container would mirror a network namespace
     * it joins, and Hull does not own, into a VM of its own. {@code store}: this root's containers, whose host
     * processes (PodMembership.hullPids) may be in it; read only for a namespace joined.
     */
    public void checkOwned(NetnsView view, StateStore store) throws HullException, IOException {
        if (net.kind() != NetNamespace.Kind.JOIN) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            net.checkOwned(view, PodMembership.hullPids(store));
        } catch (NetException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        Log.debug("the network namespace is Hull's to take over (checked in " + (System.nanoTime() - t0) / 1000
                + " us)");
    }

    private static void checkPath(Optional<Linux.Namespace> ns, int type) throws HullException {
        Optional<Path> path = joined(ns);
        if (path.isPresent()) {
            var why = Namespaces.whyNotEnterable(path.get(), type);
            if (why.isPresent()) {
                throw new BadInputException("cannot enter the " + ns.get().type() + " namespace " + path.get()
                        + " (linux.namespaces in config.json): " + why.get());
            }
        }
    }

    private static Optional<Path> joined(Optional<Linux.Namespace> ns) {
        return ns.filter(n -> n.path() != null && !n.path().isBlank()).map(n -> Path.of(n.path()));
    }

    /**
     * What a detached shim is started through: nsenter for the namespaces it joins, then unshare for the
     * fresh ones (both exec, so the shim keeps the pid). Fresh namespaces need root; without root the
     * shim stays in its caller's.
     */
    public List<String> launchPrefix(boolean root) {
        List<String> enter = new ArrayList<>();
        List<String> fresh = new ArrayList<>();
        switch (net.kind()) {
            case JOIN -> enter.add("--net=" + net.path());
            case NEW -> fresh.add("--net");
            case HOST -> {
            }
        }
        place(ipc, "ipc", enter, fresh);
        place(uts, "uts", enter, fresh);
        List<String> prefix = new ArrayList<>();
        if (!enter.isEmpty()) {
            prefix.add("nsenter");
            prefix.addAll(enter);
            prefix.add("--");
        }
        if (root && !fresh.isEmpty()) {
            prefix.add("unshare");
            prefix.addAll(fresh);
            prefix.add("--");
        }
        return prefix;
    }

    private static void place(Optional<Linux.Namespace> ns, String flag, List<String> enter, List<String> fresh) {
        if (ns.isEmpty()) {
            return;
        }
        Optional<Path> path = joined(ns);
        if (path.isPresent()) {
            enter.add("--" + flag + "=" + path.get());
        } else {
            fresh.add("--" + flag);
        }
    }
}
