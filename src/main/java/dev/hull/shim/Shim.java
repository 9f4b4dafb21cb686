package dev.hull.shim;

import dev.hull.error.BadInputException;
import dev.hull.error.WrongStateException;
import dev.hull.logging.Log;
import dev.hull.oci.Bundle;
import dev.hull.oci.Spec;
import dev.hull.state.ContainerState;
import dev.hull.state.StateStore;
import dev.hull.state.Status;
import dev.hull.sys.Host;
import dev.hull.sys.HostCgroup;
import dev.hull.vm.VmConfig;
import dev.hull.vm.VmResolver;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The VM owner of a container that boots its own VM: it holds the VM ({@link PodVm}) and the container
 * ({@link GuestContainer}), takes in the members of its pod ({@link MemberDoor}), and when the container's
 * workload ends records its status, ends the members, powers the VM off and hands the status to the
 * container's anchor ({@link Anchor}), whose pid is the container's. In an attached {@code run} there is
 * no anchor: the CLI is the container's process, as the person at the terminal expects.
 */
public final class Shim {
    private final PodVm pod;
    private final GuestContainer container;
    private final MemberDoor door;
    private final AnchorLink anchor;
    /** Held while this process lives (see OwnerLock); kept here so that nothing collects and closes it. */
    private final FileChannel ownerLock;

    private Shim(PodVm pod, GuestContainer container, MemberDoor door, AnchorLink anchor, FileChannel ownerLock) {
        this.pod = pod;
        this.container = container;
        this.door = door;
        this.anchor = anchor;
        this.ownerLock = ownerLock;
    }

    /**
     * Boots the VM and prepares the workload; returns once it waits for {@code start}. On failure nothing
     * is left running and the exception says why. {@code anchored}: the container's pid is an anchor this
     * process starts (a detached container), not this process (an attached run).
     */
    public static Shim create(StateStore store, ContainerState initial, Bundle bundle, VmResolver.Resolved resolved,
            HostTerminal.Source terminal, boolean inNetns, HookRunner hookRunner, boolean anchored) throws Exception {
        return create(store, initial, bundle, resolved, terminal, inNetns, hookRunner, anchored, false,
                () -> HostStdio.own(terminal, bundle.spec().process().terminal()));
    }

    /**
     * A container of a front that serves many containers from one process (the containerd v2 shim): its
     * stdio is given (containerd's fifos), its pid is an anchor, and this process leaves the container's
     * host cgroup once qemu, virtiofsd and the anchor are born in it, so that it can be removed while this
     * process goes on serving.
     */
    public static Shim createServed(StateStore store, ContainerState initial, Bundle bundle,
            VmResolver.Resolved resolved, boolean inNetns, HostStdio stdio) throws Exception {
        return create(store, initial, bundle, resolved, new HostTerminal.Source(null, null), inNetns,
                HookRunner.HERE, true, true, () -> stdio);
    }

    /** Where the container's stdio comes from, once the VM is up. */
    @FunctionalInterface
    private interface StdioSource {
        HostStdio open() throws IOException;
    }

    private static Shim create(StateStore store, ContainerState initial, Bundle bundle, VmResolver.Resolved resolved,
            HostTerminal.Source terminal, boolean inNetns, HookRunner hookRunner, boolean anchored,
            boolean leaveCgroup, StdioSource stdioSource) throws Exception {
        String id = initial.id();
        Path runDir = Path.of(initial.runDir());
        VmConfig config = resolved.config();
        var spec = bundle.spec();
        HostCgroup cgroup = joinHostCgroup(store, id, spec, config);
        FileChannel ownerLock = anchored ? OwnerLock.hold(runDir) : null;
        long t0 = System.nanoTime();
        // In the host cgroup and the container's namespaces, as this process is: the manager reads them there.
        AnchorLink anchor = anchored ? Anchor.start(runDir, new MemberRequest(0, id, bundle.dir(),
                runDir.resolve("notify.sock"), terminal.consoleSocket(), terminal.console()),
                Anchor.args(spec, bundle.rootfs()), true) : null;
        PodVm pod = null;
        HostStdio stdio = null;
        try {
            ProcessHandle holder = anchor == null ? ProcessHandle.current()
                    : ProcessHandle.of(anchor.request().pid()).orElseThrow(
                            () -> new IOException("the container's host process ended at once"));
            if (anchor != null) {
                Log.debug("anchor " + holder.pid() + " ready in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            }
            ContainerState hookState = initial.started(holder.pid(),
                    holder.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L), 0);
            pod = PodVm.boot(id, bundle, resolved, config, runDir, inNetns, hookRunner, hookState);
            if (leaveCgroup && cgroup != null) {
                cgroup.leave();
            }
            stdio = stdioSource.open();
            ContainerState created = hookState.started(holder.pid(), hookState.shimStarted(), pod.qemuPid())
                    .withStatus(Status.CREATED).withVm(pod.info());
            GuestContainer container = GuestContainer.create(store, pod, created, bundle, pod.firstVolumes(),
                    pod.share() == null ? null : PodShare.rootOf(id), null, stdio, hookRunner);
            MemberDoor door = pod.share() == null ? null : MemberDoor.open(pod, store, hookRunner);
            if (anchor != null) {
                anchor.bind(container);
            }
            return new Shim(pod, container, door, anchor, ownerLock);
        } catch (Exception e) {
            if (leaveCgroup && cgroup != null) {
                // Out before the teardown removes it: this process goes on serving others.
                cgroup.leave();
            }
            if (stdio != null && stdio.tty() != null) {
                stdio.tty().close();
            }
            if (pod != null) {
                pod.abort();
            }
            if (anchor != null) {
                // Its connection closing ends it (137): it never reported a container to its manager.
                anchor.close();
            }
            if (ownerLock != null) {
                ownerLock.close();
            }
            throw e;
        }
    }

    /**
     * Into linux.cgroupsPath on the host before anything else starts (hooks, virtiofsd, qemu are born
     * there), with the container's limits sized for the whole VM. Recorded first in the state folder, so
     * that delete removes it even if this fails halfway. Not root: no cgroups (as rootless runc).
     */
    private static HostCgroup joinHostCgroup(StateStore store, String id, Spec spec, VmConfig config)
            throws IOException, BadInputException {
        if (!Host.isRoot()) {
            return null;
        }
        long t0 = System.nanoTime();
        HostCgroup cgroup = HostCgroup.of(spec.linux().cgroupsPath(), id);
        Files.writeString(store.dir(id).resolve(HostCgroup.FILE), cgroup.lines());
        try {
            cgroup.create();
            long t1 = System.nanoTime();
            cgroup.join(ProcessHandle.current().pid());
            long t2 = System.nanoTime();
            var guest = spec.linux().guest();
            cgroup.limit(guest == null ? null : guest.get("resources"), (long) config.memoryMiB() << 20);
            Log.debug("host cgroup: made in " + (t1 - t0) / 1_000_000 + " ms, joined in " + (t2 - t1) / 1_000_000
                    + " ms");
            return cgroup;
        } catch (IOException | RuntimeException e) {
            cgroup.remove();
            // A cgroupsPath the manager gave must hold, as with runc; runc's default (/ID) is a nicety.
            if (spec.linux().cgroupsPath() != null) {
                throw new IOException("cannot set up linux.cgroupsPath " + spec.linux().cgroupsPath()
                        + " on the host: " + e.getMessage(), e);
            }
            Log.warn("no cgroup on the host for " + id + " (" + e.getMessage() + ")");
            return null;
        }
    }

    public ContainerState state() {
        return container.state();
    }

    /** An attached run's own start. */
    public void start() throws IOException, TimeoutException, WrongStateException {
        container.start();
    }

    /** An attached run's own signals (its caller's Ctrl-C). */
    public void kill(int signal, boolean all) throws IOException, TimeoutException, WrongStateException {
        container.kill(signal, all);
    }

    /**
     * Waits for the workload to end, records it, ends the pod's members and powers the VM off; returns the
     * container's exit code.
     */
    public int awaitExit() throws IOException, InterruptedException {
        int code = container.awaitExit();
        finish(code);
        return code;
    }

    /**
     * After {@link #finish}, in a process that goes on serving: the owner lock goes, so that a delete of the
     * container does not wait for this process to end.
     */
    public void release() throws IOException {
        if (ownerLock != null) {
            ownerLock.close();
        }
    }

    /**
     * A member of this VM's pod for a front that serves it in process: its anchor started through
     * {@code prefix}, its stdio given. Only a VM with a pod's share (as root) takes members.
     */
    public ServedMember addMember(String id, Bundle bundle, List<String> prefix, HostStdio stdio) throws Exception {
        if (door == null) {
            throw new BadInputException("container " + id + " cannot join the VM of " + container.id()
                    + ": a pod needs root");
        }
        return door.createServed(id, bundle, prefix, stdio);
    }

    /** The container that booted the VM, for the verbs of a front that holds it in process. */
    public GuestContainer container() {
        return container;
    }

    /** The pod's VM, where members are created (see PodMembers). */
    public PodVm pod() {
        return pod;
    }

    /**
     * After the workload's end ({@link GuestContainer#awaitExit}): ends the pod's members, powers the VM off
     * and hands the status to the anchor.
     */
    public void finish(int code) throws IOException, InterruptedException {
        if (door != null) {
            door.close();
        }
        pod.remove(container);
        pod.powerOff(container);
        if (anchor != null) {
            // Last: the manager sees the container end when its anchor does, and then deletes it; by then
            // the VM and everything of it are gone.
            try (anchor) {
                anchor.exit(code);
            } catch (IOException e) {
                Log.warn("cannot hand the exit code of " + container.id() + " to its host process: " + e.getMessage());
            }
        }
    }
}
