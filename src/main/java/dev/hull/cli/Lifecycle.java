package dev.hull.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.core.PodMembership;
import dev.hull.core.ShimNamespaces;
import dev.hull.core.Teardown;
import dev.hull.core.Verb;
import dev.hull.error.BadInputException;
import dev.hull.error.HullException;
import dev.hull.error.InternalException;
import dev.hull.logging.Log;
import dev.hull.net.LiveNetns;
import dev.hull.oci.Bundle;
import dev.hull.oci.HostNamespaces;
import dev.hull.oci.SpecRules;
import dev.hull.shim.Anchor;
import dev.hull.shim.HookRunner;
import dev.hull.shim.HostTerminal;
import dev.hull.shim.MemberRequest;
import dev.hull.shim.RunDir;
import dev.hull.shim.Shim;
import dev.hull.shim.ShimClient;
import dev.hull.shim.ShimRequest;
import dev.hull.state.ContainerId;
import dev.hull.state.ContainerState;
import dev.hull.state.StateStore;
import dev.hull.state.Status;
import dev.hull.sys.Host;
import dev.hull.vm.VmResolver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The container life cycle behind the CLI's verbs: create, start, kill, delete. Which status allows a verb
 * and how a container is torn down are dev.hull.core's, shared with the containerd shim.
 */
final class Lifecycle {
    private final Main global;
    private final StateStore store;
    private final Teardown teardown = Teardown.live();

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
        namespaces.checkOwned(new LiveNetns(), store);
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
            teardown.afterFailedCreate(id, dir, runDir);
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
            teardown.afterFailedMember(id, dir, runDir);
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
            Verb.START.check(id, st.effectiveStatus());
            ShimClient.call(shimSocket(st), new ShimRequest.Start());
        }
    }

    void kill(String id, int signal, boolean all) throws HullException, IOException {
        try (var lock = store.lock(id)) {
            ContainerState st = store.read(id);
            Status status = st.effectiveStatus();
            Verb.kill(all).check(id, status);
            if (status.isUp()) {
                ShimClient.call(shimSocket(st), new ShimRequest.Kill(signal, all));
            }
        }
    }

    /**
     * Asks a live container's shim for something, once the status a user sees allows {@code verb}: refused
     * here, it is refused in the words the shim would use, and no shim is woken for it.
     */
    JsonNode ask(String id, Verb verb, ShimRequest request, boolean locked) throws HullException, IOException {
        try (var lock = locked ? store.lock(id) : null) {
            ContainerState st = store.read(id);
            verb.check(id, st.effectiveStatus());
            return ShimClient.call(shimSocket(st), request);
        }
    }

    /** Deletes a container; a running one only with {@code force} (it is killed first). */
    void delete(String id, boolean force) throws HullException, IOException {
        teardown.delete(store, id, force);
    }

    /** The seed's {@code stop}: ends the workload and its VM now, leaving the container stopped. */
    void stop(String id) throws HullException, IOException {
        teardown.stop(store, id);
    }

    static Path shimSocket(ContainerState st) {
        return Path.of(st.runDir()).resolve("shim.sock");
    }

    /** Removes a finished container that {@code run} created (unless --keep). */
    void cleanUpAfterRun(String id) throws IOException {
        teardown.afterRun(store, id);
    }
}
