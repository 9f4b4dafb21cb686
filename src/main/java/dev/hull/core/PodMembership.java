package dev.hull.core;

import dev.hull.error.HullException;
import dev.hull.error.NotFoundException;
import dev.hull.error.WrongStateException;
import dev.hull.oci.Linux;
import dev.hull.oci.Spec;
import dev.hull.state.ContainerState;
import dev.hull.state.StateStore;
import dev.hull.state.Status;
import dev.hull.sys.Namespaces;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a new container joins the VM of a container already running (a pod), and whose. A network
 * namespace can be carried into one VM only, so a container that names another's sandbox or network
 * namespace is created inside that container's VM:
 * <ul>
 * <li>containerd's CRI plugin and CRI-O (and podman, which uses CRI-O's names) mark members with the
 * sandbox's id: {@code io.kubernetes.cri.sandbox-id} with container-type {@code container},
 * {@code io.kubernetes.cri-o.SandboxID} with ContainerType {@code container};</li>
 * <li>podman and docker ({@code --network container:NAME}) name the other container's network namespace
 * by its pid, {@code /proc/PID/ns/net}; CRI by the namespace's file, which is compared by inode with the
 * network namespace of each running container's host process.</li>
 * </ul>
 * The VM's owner is the container whose shim booted it: a member named as the sandbox leads to its own pod's.
 */
public final class PodMembership {
    static final String CRI_TYPE = "io.kubernetes.cri.container-type";
    static final String CRI_SANDBOX = "io.kubernetes.cri.sandbox-id";
    static final String CRIO_TYPE = "io.kubernetes.cri-o.ContainerType";
    static final String CRIO_SANDBOX = "io.kubernetes.cri-o.SandboxID";
    private static final Pattern PROC_NS = Pattern.compile("/proc/(\\d+)/ns/net");

    private PodMembership() {
    }

    /**
     * The sandbox id config.json's annotations name for a member container, if any (a sandbox's own
     * annotations name none).
     */
    public static Optional<String> annotatedSandbox(Map<String, String> annotations) {
        if ("container".equals(annotations.get(CRI_TYPE)) && annotations.get(CRI_SANDBOX) != null) {
            return Optional.of(annotations.get(CRI_SANDBOX));
        }
        if ("container".equals(annotations.get(CRIO_TYPE)) && annotations.get(CRIO_SANDBOX) != null) {
            return Optional.of(annotations.get(CRIO_SANDBOX));
        }
        return Optional.empty();
    }

    /** The pid a {@code /proc/PID/ns/net} path names, if it is one. */
    static Optional<Long> procPid(String path) {
        Matcher m = PROC_NS.matcher(path);
        return m.matches() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
    }

    /**
     * The state of the container whose VM a container with {@code spec} joins, or empty when it boots a VM
     * of its own. A named sandbox that is not running is an error: the member has nowhere to run.
     */
    public static Optional<ContainerState> owner(StateStore store, Spec spec, String id)
            throws HullException, IOException {
        Optional<String> sandbox = annotatedSandbox(spec.annotations());
        if (sandbox.isPresent() && !sandbox.get().equals(id)) {
            try {
                return Optional.of(running(ownerOf(store, store.read(sandbox.get())), id));
            } catch (NotFoundException e) {
                // Not one of this root's: the namespace may still tell.
            }
        }
        Optional<String> netns = spec.linux().namespace("network").map(Linux.Namespace::path)
                .filter(p -> p != null && !p.isEmpty());
        if (netns.isEmpty()) {
            return Optional.empty();
        }
        Optional<Long> pid = procPid(netns.get());
        List<ContainerState> all = store.list(problem -> { });
        for (ContainerState c : all) {
            if (!c.effectiveStatus().isLive() || c.id().equals(id)) {
                continue;
            }
            boolean same = pid.isPresent() ? c.pid() == pid.get()
                    : Namespaces.same(Path.of(netns.get()), Path.of("/proc", Long.toString(c.pid()), "ns", "net"));
            if (same) {
                return Optional.of(running(ownerOf(store, c), id));
            }
        }
        return Optional.empty();
    }

    /**
     * The host processes of this root's containers whose pids still run (their pids: an anchor, and the VM's
     * qemu and its parent, the VM owner), and this process: what Hull started, known by its state, not by
     * process names. Their descendants are Hull's too (see NetnsOwnership).
     */
    public static Set<Long> hullPids(StateStore store) throws IOException {
        Set<Long> pids = new HashSet<>();
        pids.add(ProcessHandle.current().pid());
        for (ContainerState c : store.list(problem -> { })) {
            if (c.shimAlive()) {
                pids.add(c.pid());
                if (c.qemuPid() > 0) {
                    pids.add(c.qemuPid());
                    ProcessHandle.of(c.qemuPid()).flatMap(ProcessHandle::parent).ifPresent(p -> pids.add(p.pid()));
                }
            }
        }
        return pids;
    }

    private static ContainerState ownerOf(StateStore store, ContainerState c) throws IOException, HullException {
        if (!c.member()) {
            return c;
        }
        try {
            return store.read(c.vm().pod());
        } catch (NotFoundException e) {
            throw new WrongStateException("container '" + c.id() + "' runs in the VM of '" + c.vm().pod()
                    + "', which is gone", e);
        }
    }

    private static ContainerState running(ContainerState owner, String id) throws HullException {
        if (!owner.shimAlive() || owner.status() == Status.STOPPED) {
            throw new WrongStateException("cannot create container '" + id + "' in the pod of '" + owner.id()
                    + "': that container is " + owner.effectiveStatus().json() + " and its VM is gone");
        }
        return owner;
    }
}
