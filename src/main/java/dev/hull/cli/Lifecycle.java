package dev.hull.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.error.BadInputException;
import dev.hull.error.HullException;
import dev.hull.error.InternalException;
import dev.hull.error.WrongStateException;
import dev.hull.logging.Log;
import dev.hull.net.LiveNetns;
import dev.hull.net.NetNamespace;
import dev.hull.net.TapMirror;
import dev.hull.oci.Bundle;
import dev.hull.oci.BundleException;
import dev.hull.oci.HostNamespaces;
import dev.hull.oci.SpecRules;
import dev.hull.shim.Anchor;
import dev.hull.shim.HookRunner;
import dev.hull.shim.HostTerminal;
import dev.hull.shim.MemberRequest;
import dev.hull.shim.OwnerLock;
import dev.hull.shim.RunDir;
import dev.hull.shim.Shim;
import dev.hull.shim.ShimClient;
import dev.hull.shim.ShimRequest;
import dev.hull.state.ContainerId;
import dev.hull.state.ContainerState;
import dev.hull.state.StateStore;
import dev.hull.state.Status;
import dev.hull.sys.ExitCodes;
import dev.hull.sys.Host;
import dev.hull.sys.HostCgroup;
import dev.hull.time.Deadline;
import dev.hull.vm.VmResolver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The container life cycle behind the verbs: create, start, kill, delete. */
final class Lifecycle {
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(20);
    private static final Duration POLL = Duration.ofMillis(5);

    private final Main global;
    private final StateStore store;

    Lifecycle(Main global) {
        this.global = global;
        this.store = global.store();
    }

    /**
     * A container whose VM is up and whose workload waits for start; {@code member}: a pod member's host
     * process, when this process started it.
     */
    record Created(ContainerState state, Shim inProcess, Process member) {
    }

    /**
     * Creates a container. Detached, a shim process of its own holds it; {@code inProcess}, this process
     * becomes its shim (attached {@code run}). Nothing is left behind on failure.
     */
    Created create(String id, Path bundleDir, boolean inProcess, HostTerminal.Source terminal) throws Exception {
        ContainerId.validate(id);
        Bundle bundle = Bundle.load(bundleDir);
        SpecRules.warnings(bundle.spec().process()).forEach(Log::warn);
        if (bundle.spec().process().terminal() && !inProcess && terminal.consoleSocket() == null
                && terminal.console() == null) {
            throw new BadInputException("cannot allocate a terminal for a detached container: config.json asks for"
                    + " one (process.terminal) but neither --console-socket nor --console was given");
        }
        ShimNamespaces namespaces = ShimNamespaces.of(bundle.spec());
        namespaces.check();
        var hostShared = HostNamespaces.whyNot(bundle.spec().linux());
        if (hostShared.isPresent()) {
            throw new BadInputException(hostShared.get());
        }
        var owner = PodMembership.owner(store, bundle.spec(), id);
        if (owner.isPresent()) {
            return createMember(id, bundle, owner.get(), terminal, namespaces, inProcess);
        }
        if (namespaces.net().kind() == NetNamespace.Kind.JOIN) {
            long t0 = System.nanoTime();
            namespaces.checkOwned(new LiveNetns(), PodMembership.hullPids(store));
            Log.debug("the network namespace is Hull's to take over (checked in "
                    + (System.nanoTime() - t0) / 1000 + " us)");
        }
        VmResolver.Resolved vm = resolveVm(bundle);
        Path dir = store.claim(id);
        Path runDir = null;
        try {
            runDir = RunDir.forStateDir(dir, Host.isRoot());
            ContainerState initial = creating(id, bundle, runDir, null);
            store.write(initial);
            Log.info("creating " + id + " from " + bundle.dir());
            if (inProcess) {
                Shim shim = Shim.create(store, initial, bundle, vm, terminal, false, HookRunner.HERE, false);
                return new Created(shim.state(), shim, null);
            }
            ShimLauncher.launch(global, runDir, bundle.dir(), id, vm.bootTimeout(), terminal,
                    namespaces.launchPrefix(Host.isRoot()));
            return new Created(store.read(id), null, null);
        } catch (Exception e) {
            if (runDir != null) {
                // A shim killed while booting leaves its qemu and virtiofsd running, and one that died
                // between starting virtiofsd and qemu leaves virtiofsd waiting for a qemu for ever.
                killLeftovers(id, dir, runDir, true);
            }
            removeTraces(id, dir, runDir);
            throw e;
        }
    }

    /**
     * A container created in the VM of a running one (its pod's, see PodMembership): no VM of its own, a
     * hull-member process as its pid, in the namespaces config.json names. Detached, that is an anchor with
     * the member's root (Anchor); attached, this process's child, whose status the run waits for.
     */
    private Created createMember(String id, Bundle bundle, ContainerState owner, HostTerminal.Source terminal,
            ShimNamespaces namespaces, boolean attached) throws Exception {
        if (!Host.isRoot()) {
            throw new BadInputException("container '" + id + "' names the network namespace or sandbox of '"
                    + owner.id() + "': a second container in one VM (a pod) needs root");
        }
        Path dir = store.claim(id);
        Path runDir = null;
        Process member = null;
        try {
            runDir = RunDir.forStateDir(dir, true);
            ContainerState initial = creating(id, bundle, runDir, owner.vm());
            store.write(initial);
            Log.info("creating " + id + " from " + bundle.dir() + " in the VM of " + owner.id());
            var request = new MemberRequest(0, id, bundle.dir(), runDir.resolve("notify.sock"),
                    terminal.consoleSocket() == null ? null : terminal.consoleSocket().toAbsolutePath(),
                    terminal.console() == null ? null : terminal.console().toAbsolutePath());
            member = ShimLauncher.launchMember(Path.of(owner.runDir()).resolve("pod.sock"), request, terminal,
                    namespaces.launchPrefix(true), attached ? List.of() : Anchor.args(bundle.spec(), bundle.rootfs()));
            return new Created(store.read(id), null, member);
        } catch (Exception e) {
            if (member != null) {
                member.destroyForcibly();
            }
            removeTraces(id, dir, runDir);
            throw e;
        }
    }

    /** What a container's state.json says while it is being created. */
    private static ContainerState creating(String id, Bundle bundle, Path runDir, ContainerState.VmInfo vm) {
        return new ContainerState(ContainerState.OCI_VERSION, id, Status.CREATING, 0, bundle.dir().toString(),
                bundle.rootfs().toString(), Instant.now().toString(), Host.uid(), bundle.spec().annotations(), 0, 0,
                runDir.toString(), null, vm);
    }

    /**
     * Writes the container's pid to {@code --pid-file} (none: nothing to do). As runc: a container whose pid
     * could not be handed over is not left behind.
     */
    void handOver(String id, Path pidFile, long pid) throws HullException, IOException {
        if (pidFile == null) {
            return;
        }
        try {
            PidFile.write(pidFile, pid);
        } catch (IOException e) {
            delete(id, true);
            throw new InternalException(e.getMessage(), e);
        }
    }

    static VmResolver.Resolved resolveVm(Bundle bundle) throws HullException {
        return new VmResolver(VmResolver.ETC, Main.home()).resolve(bundle);
    }

    void start(String id) throws HullException, IOException {
        try (var lock = store.lock(id)) {
            ContainerState st = store.read(id);
            Status status = st.effectiveStatus();
            if (!status.canStart()) {
                throw new WrongStateException("cannot start container '" + id + "': it is " + status.json()
                        + ", not created");
            }
            ShimClient.call(shimSocket(st), new ShimRequest.Start());
        }
    }

    void kill(String id, int signal, boolean all) throws HullException, IOException {
        try (var lock = store.lock(id)) {
            ContainerState st = store.read(id);
            Status status = st.effectiveStatus();
            if (!status.canKill(all)) {
                throw WrongStateException.notRunning(id);
            }
            if (status.isUp()) {
                ShimClient.call(shimSocket(st), new ShimRequest.Kill(signal, all));
            }
        }
    }

    /** Asks a live container's shim for something; a stopped container is a clear error. */
    JsonNode ask(String id, ShimRequest request, boolean locked) throws HullException, IOException {
        try (var lock = locked ? store.lock(id) : null) {
            ContainerState st = store.read(id);
            if (!st.effectiveStatus().isUp()) {
                throw new WrongStateException("container '" + id + "' is not running");
            }
            return ShimClient.call(shimSocket(st), request);
        }
    }

    /** Deletes a container; a running one only with {@code force} (it is killed first). */
    void delete(String id, boolean force) throws HullException, IOException {
        try (var lock = store.lock(id)) {
            ContainerState st;
            try {
                st = store.read(id);
            } catch (IOException | RuntimeException e) {
                if (!force) {
                    throw new InternalException("the state of container '" + id + "' cannot be read (" + e.getMessage()
                            + "): delete --force removes it", e);
                }
                deleteUnreadable(id);
                return;
            }
            Status status = st.effectiveStatus();
            if (!status.canDelete(force)) {
                throw new WrongStateException("cannot delete container '" + id + "' that is " + status.json()
                        + ": stop it first or use --force");
            }
            // A shim that died before its create finished never recorded qemu: look for what it left. A pod
            // member has no qemu: only a member whose host process was never recorded is looked for (reading
            // every process's command line at each member's delete was work for nothing).
            boolean unrecorded = st.member() ? st.pid() <= 0 : !st.shimAlive() && st.qemuPid() <= 0;
            stopShim(st);
            Path runDir = st.runDir() == null ? RunDir.path(store.dir(id), Host.isRoot()) : Path.of(st.runDir());
            killLeftovers(id, store.dir(id), runDir, unrecorded);
            removeTraces(id, store.dir(id), st.runDir() == null ? null : Path.of(st.runDir()));
            Log.info("deleted " + id);
            poststop(st);
        }
    }

    /**
     * delete --force of a container whose state.json is broken: what it ran is found without it, by the
     * cgroup the shim recorded (every process in it) and by the paths in command lines (the shim, qemu,
     * virtiofsd name the state or run folder), killed, and everything removed.
     */
    private void deleteUnreadable(String id) throws IOException {
        Path dir = store.dir(id);
        Path runDir = RunDir.path(dir, Host.isRoot());
        killLeftovers(id, dir, runDir, true);
        removeTraces(id, dir, runDir);
        Log.warn("deleted " + id + ", whose state could not be read");
    }

    /**
     * Ends what a container ran that its shim did not end (a shim killed while booting leaves qemu and
     * virtiofsd): every process in its host cgroup (cheap: a few files), and with {@code scan} every
     * process whose command line names its state or run folder (reads every process's command line).
     */
    private static void killLeftovers(String id, Path dir, Path runDir, boolean scan) throws IOException {
        Set<ProcessHandle> left = new LinkedHashSet<>();
        Path cgroups = dir.resolve(HostCgroup.FILE);
        if (Files.exists(cgroups)) {
            HostCgroup.fromLines(Files.readString(cgroups)).processes().stream()
                    .filter(pid -> pid != ProcessHandle.current().pid())
                    .forEach(pid -> ProcessHandle.of(pid).ifPresent(left::add));
        }
        if (scan) {
            // virtiofsd (--socket-path), qemu (its sockets and logs), the shim (--notify) name these.
            left.addAll(Host.naming(List.of(dir + "/", runDir + "/")));
        }
        for (ProcessHandle p : Host.end(left)) {
            Log.warn("process " + p.pid() + " of " + id + " did not end");
        }
        if (!left.isEmpty()) {
            Log.info("ended " + left.size() + " processes " + id + " left behind");
        }
    }

    /** The bundle's poststop hooks, run once the container is gone (runc runs them in delete). */
    private static void poststop(ContainerState st) {
        try {
            var hooks = Bundle.load(Path.of(st.bundle())).spec().hooks();
            HookRunner.HERE.runQuietly("poststop", hooks.poststop(), st, "stopped");
        } catch (BundleException e) {
            Log.debug("no poststop hooks: " + e.getMessage());
        }
    }

    /** The seed's {@code stop}: ends the workload and its VM now, leaving the container stopped. */
    void stop(String id) throws HullException, IOException {
        try (var lock = store.lock(id)) {
            stopShim(store.read(id));
        }
    }

    private void stopShim(ContainerState st) {
        if (!st.shimAlive()) {
            awaitOwner(st);
            killQemu(st);
            return;
        }
        try {
            ShimClient.call(shimSocket(st), new ShimRequest.Kill(ExitCodes.SIGKILL, true));
        } catch (IOException | HullException e) {
            Log.debug("kill through the shim: " + e.getMessage());
        }
        // Polled, not onExit(): a shim that has ended is a zombie until its parent reaps it.
        if (!Deadline.within(STOP_DEADLINE, POLL, () -> !st.shimAlive())) {
            Log.warn("shim " + st.pid() + " of " + st.id() + " did not stop; killing it");
            ProcessHandle.of(st.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
        awaitOwner(st);
        killQemu(st);
    }

    /**
     * The container's pid is its anchor: the VM owner that told it the end may still be taking the VM down
     * (or, the anchor killed, only now ending the container). Whatever it does not finish in time is ended
     * as a leftover.
     */
    private static void awaitOwner(ContainerState st) {
        if (st.runDir() != null && !OwnerLock.awaitGone(Path.of(st.runDir()), STOP_DEADLINE)) {
            Log.warn("the VM owner of " + st.id() + " did not end");
        }
    }

    /** A qemu whose shim died would run on: kill it, if that pid still is our qemu. */
    private static void killQemu(ContainerState st) {
        if (st.qemuPid() <= 0 || st.runDir() == null) {
            return;
        }
        ProcessHandle.of(st.qemuPid())
                .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains(st.runDir())).orElse(false))
                .ifPresent(p -> {
                    p.destroyForcibly();
                    try {
                        p.onExit().get(5, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        Log.warn("qemu " + st.qemuPid() + " did not exit");
                    }
                });
    }

    private void removeTraces(String id, Path dir, Path runDir) throws IOException {
        if (runDir != null) {
            // A shim that died left its taps and filters in the manager's network namespace.
            TapMirror.removeRecorded(runDir);
        }
        if (runDir != null && !runDir.equals(dir)) {
            StateStore.deleteTree(runDir);
        }
        removeHostCgroup(id, dir);
        StateStore.deleteTree(dir);
        Log.debug("removed the state of " + id);
    }

    /** The cgroup the shim made on the host (it is empty now: the shim, qemu and virtiofsd are gone). */
    private static void removeHostCgroup(String id, Path dir) {
        Path file = dir.resolve(HostCgroup.FILE);
        try {
            if (Files.exists(file)) {
                var left = HostCgroup.fromLines(Files.readString(file)).remove();
                if (!left.isEmpty()) {
                    Log.warn("cgroups of " + id + " still in use, left: " + left);
                }
            }
        } catch (IOException e) {
            Log.warn("cannot read " + file + ": " + e.getMessage());
        }
    }

    static Path shimSocket(ContainerState st) {
        return Path.of(st.runDir()).resolve("shim.sock");
    }

    /** Removes a finished container that {@code run} created (unless --keep). */
    void cleanUpAfterRun(String id) throws IOException {
        ContainerState st = store.find(id).orElse(null);
        removeTraces(id, store.dir(id), st == null || st.runDir() == null ? null : Path.of(st.runDir()));
        if (st != null) {
            poststop(st);
        }
    }
}
