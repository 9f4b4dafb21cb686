package dev.hull.shim;

import dev.hull.agent.AgentClient;
import dev.hull.logging.Log;
import dev.hull.net.NetNamespace;
import dev.hull.oci.Bundle;
import dev.hull.oci.Hooks;
import dev.hull.oci.Spec;
import dev.hull.qmp.QmpClient;
import dev.hull.state.ContainerState;
import dev.hull.sys.ClockWatch;
import dev.hull.sys.Host;
import dev.hull.vm.Accelerator;
import dev.hull.vm.Cloning;
import dev.hull.vm.Nic;
import dev.hull.vm.QemuVm;
import dev.hull.vm.TemplateStore;
import dev.hull.vm.VirtioFsd;
import dev.hull.vm.VmConfig;
import dev.hull.vm.VmResolver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * What belongs to a VM rather than to one container: qemu and virtiofsd, the agent connection, the NICs,
 * the share that carries the containers' roots, and the containers in it (the one that booted it, then
 * the members of its pod). It lives in the process of the container that booted it (the shim) and ends
 * with it.
 */
public final class PodVm {
    static final Duration REQUEST = Duration.ofSeconds(30);
    /** The first request after hello (settime: no work in the guest), under 20 VMs booting at once too. */
    private static final Duration FIRST_REQUEST = Duration.ofSeconds(5);
    /**
     * How often the guest's wall clock is set again without a reason: its TSC-based clock and the host's
     * NTP-disciplined one part by some tens of ppm (~0.1 s an hour).
     */
    private static final Duration CLOCK_SYNC = Duration.ofHours(1);

    private final String name;
    private final QemuVm vm;
    private final AgentClient agent;
    private final GuestNetwork net;
    private final PodShare share;
    private final Path runDir;
    private final VmResolver.Resolved resolved;
    private final VmConfig config;
    /** The first container's volumes, planned with the VM (its 9p shares are the VM's). */
    private final Volumes firstVolumes;
    private final Map<String, GuestContainer> containers = new ConcurrentHashMap<>();
    /** Connections to the namespace's 127.0.0.1 carried into the guest; null where there are none. */
    private volatile PortForwarder forwarder;
    /** The whole VM is stopped (QMP stop): only when its one container is paused. */
    private boolean stopped;

    private PodVm(String name, QemuVm vm, AgentClient agent, GuestNetwork net, PodShare share, Path runDir,
            VmResolver.Resolved resolved, VmConfig config, Volumes firstVolumes) {
        this.name = name;
        this.vm = vm;
        this.agent = agent;
        this.net = net;
        this.share = share;
        this.runDir = runDir;
        this.resolved = resolved;
        this.config = config;
        this.firstVolumes = firstVolumes;
    }

    /**
     * Runs the container's createRuntime and prestart hooks (they make the network the NICs copy), boots
     * the VM and connects to its agent, with the guest's network and clock set. On failure nothing of it is
     * left running.
     */
    static PodVm boot(String id, Bundle bundle, VmResolver.Resolved resolved, VmConfig config, Path runDir,
            boolean inNetns, HookRunner hookRunner, ContainerState hookState) throws Exception {
        var spec = bundle.spec();
        String accel = Accelerator.choose(config);
        config = config.with(kernelParams(config), config.cpus(), accel);
        GuestNetwork net = hooksThenNetwork(spec, hookRunner, hookState, inNetns, runDir);
        Log.debug("booting " + id + " with " + config);
        PodShare share = null;
        QemuVm vm = null;
        AgentClient agent = null;
        Volumes volumes;
        try {
            List<Nic> nics = net.nics(accel);
            volumes = Volumes.plan(spec.mounts(), nics.size(), Host.isRoot() ? runDir.resolve("files") : null);
            volumes.stage();
            List<String> params = Log.debugEnabled() ? List.of("hull.debug=1") : List.of();
            // As root the VM shares the pod's folder, where this container's root is one bind among those
            // of the members to come; not root, the rootfs itself (and no members).
            Path shared = bundle.rootfs();
            boolean readonly = spec.root().readonly();
            if (readonly) {
                MountPoints.prepare(bundle.rootfs(), spec.mounts());
            }
            if (Host.isRoot()) {
                share = PodShare.create(runDir);
                share.addRoot(id, bundle.rootfs(), readonly);
                shared = share.dir();
                readonly = false;
            }
            // The VM's first container decides for the pod: the members of a pod share its user namespace
            // setting (podman pod --userns, a Kubernetes pod's hostUsers).
            boolean userNamespace = spec.linux().namespace("user").isPresent();
            var how = new QemuVm.Launch("hull-" + id, runDir, shared, readonly, userNamespace, params,
                    volumes.shares(), nics,
                    volumes.qemuPrefix(net.qemuPrefix()));
            Optional<Cloning.Started> clone = resolved.template()
                    ? Cloning.start(TemplateStore.forThisUser(), config, how, resolved.bootTimeout())
                    : Optional.empty();
            if (clone.isPresent()) {
                vm = clone.get().vm();
                agent = clone.get().agent();
            } else {
                vm = launch(config, resolved, how);
            }
        } catch (Exception e) {
            end(null, net, share);
            throw e;
        }
        try {
            if (agent == null) {
                long t0 = System.nanoTime();
                agent = vm.connectAgent(resolved.bootTimeout());
                Log.debug("guest agent answered after " + (System.nanoTime() - t0) / 1_000_000 + " ms (" + accel
                        + ")");
            }
            logConsole(vm);
            AgentClient client = agent;
            // Only a shim inside the namespace can reach what the manager serves there.
            String dnsRelay = inNetns && DnsRelay.wanted(spec.mounts()) ? DnsRelay.ADDRESS : null;
            GuestEvents events = new GuestEvents(id, () -> client.abort("the guest flooded the host with events"));
            agent.onEvent(event -> events.on(client, event, dnsRelay != null));
            // The guest read the CMOS clock at boot, to the second: it gets the host's, to the microsecond.
            // A guest that answered hello answers this in milliseconds; one that does not is not Hull's agent.
            long behind = agent.setTime(FIRST_REQUEST);
            if (Log.debugEnabled()) {
                var clock = agent.greeting().clock();
                Log.debug("guest clock: " + (clock == null ? "not reported" : clock.describe()) + "; set, it was "
                        + behind / 1_000_000 + " ms behind the host's");
            }
            net.configureGuest(agent, REQUEST, dnsRelay);
            PodVm pod = new PodVm(id, vm, agent, net, share, runDir, resolved, config, volumes);
            // Only in the container's own namespace: in the host's the rule would take the host's loopback.
            // Only for a Kubernetes pod: port forwarding is a CRI call, and the rest need no thread for it.
            if (inNetns && Host.isRoot() && PortForwarder.wanted(spec.annotations())) {
                pod.forwarder = PortForwarder.start(agent);
            }
            ClockWatch.start(CLOCK_SYNC, pod::onHostClock);
            return pod;
        } catch (Exception e) {
            release(vm, agent, net, share);
            throw e;
        }
    }

    /** Boots the VM (no template), its root over 9p where virtiofsd turns out not to run here. */
    private static QemuVm launch(VmConfig config, VmResolver.Resolved resolved, QemuVm.Launch how)
            throws Exception {
        try {
            return QemuVm.launch(config, resolved.args(), how);
        } catch (VirtioFsd.Unavailable e) {
            if (resolved.fallback() == null) {
                throw e;
            }
            Log.warn(e.getMessage() + ": the root goes over 9p");
            return QemuVm.launch(config, resolved.fallback(), how);
        }
    }

    Volumes firstVolumes() {
        return firstVolumes;
    }

    /**
     * createRuntime, then the deprecated prestart that docker still uses, before the VM: they are where
     * managers put interfaces into the container's network namespace (docker's setkey), and what they put
     * there is what the VM's NICs are made from. A failing one fails the create.
     */
    private static GuestNetwork hooksThenNetwork(Spec spec, HookRunner hookRunner,
            ContainerState hookState, boolean inNetns, Path runDir) throws IOException {
        hookRunner.run("createRuntime", spec.hooks().createRuntime(), hookState, "creating");
        hookRunner.run("prestart", spec.hooks().prestart(), hookState, "created");
        boolean hooked = !Hooks.orEmpty(spec.hooks().createRuntime()).isEmpty()
                || !Hooks.orEmpty(spec.hooks().prestart()).isEmpty();
        return GuestNetwork.setUp(NetNamespace.of(spec), inNetns, hooked, runDir);
    }

    private static List<String> kernelParams(VmConfig config) {
        List<String> params = new ArrayList<>(config.kernelParams());
        if (Log.debugEnabled()) {
            // The seed's tip: without "quiet" the kernel's boot messages reach the console log.
            params.remove("quiet");
        }
        return params;
    }

    static void logConsole(QemuVm vm) {
        if (!Log.debugEnabled()) {
            return;
        }
        try {
            if (Files.exists(vm.consoleLog())) {
                for (String line : Files.readAllLines(vm.consoleLog())) {
                    Log.debug("guest: " + line);
                }
            }
        } catch (IOException e) {
            Log.debug("cannot read the guest console log: " + e.getMessage());
        }
    }

    AgentClient agent() {
        return agent;
    }

    /** Null when not root (the rootfs itself is shared; no members). */
    PodShare share() {
        return share;
    }

    String name() {
        return name;
    }

    long qemuPid() {
        return vm.pid();
    }

    Path runDir() {
        return runDir;
    }

    ContainerState.VmInfo info() {
        return new ContainerState.VmInfo(config.qemu().toString(), config.kernel().toString(),
                config.initrd().toString(), resolved.image() == null ? null : resolved.image().toString(),
                config.memoryMiB(), config.cpus(), config.accel(), vm.rootShare(), name, vm.template());
    }

    void add(GuestContainer c) {
        containers.put(c.id(), c);
    }

    void remove(GuestContainer c) {
        containers.remove(c.id(), c);
    }

    /** The containers in the VM now (the first one included). */
    List<GuestContainer> containers() {
        return List.copyOf(containers.values());
    }

    /**
     * A container's processes are frozen (its guest cgroup); the VM's vCPUs stop as well when it is the only
     * container, so that nothing of it runs until resume and the clock is right before it does. With other
     * containers running the VM goes on.
     */
    synchronized void paused(GuestContainer c) throws IOException {
        if (containers.size() == 1 && containers.containsKey(c.id())) {
            qmp("stop");
            stopped = true;
        }
    }

    /**
     * Continues a stopped VM and sets the guest's wall clock (it stood still while the VM was stopped: the
     * guest's TSC stops with it); returns how far behind it was, in ns (0 when the VM ran on).
     */
    synchronized long running() throws IOException, TimeoutException {
        if (!stopped) {
            return 0;
        }
        qmp("cont");
        stopped = false;
        return agent.setTime(REQUEST);
    }

    synchronized boolean stopped() {
        return stopped;
    }

    /** Stops the VM again after {@link #running()} let a signal through. */
    synchronized void stopAgain() throws IOException {
        qmp("stop");
        stopped = true;
    }

    /** One QMP command to this VM's qemu (stop and cont answer in well under a millisecond). */
    private void qmp(String command) throws IOException {
        try (QmpClient qmp = QmpClient.connect(vm.qmpSocket())) {
            qmp.execute(command);
        }
    }

    /**
     * The host's clock was stepped or the host resumed from suspend (or an hour went by): the guest takes
     * the host's time again. A stopped VM cannot answer; its resume sets the clock.
     */
    private synchronized void onHostClock(ClockWatch.Reason reason) {
        if (stopped) {
            return;
        }
        try {
            long behind = agent.setTime(REQUEST);
            Log.debug("guest clock of " + name + " set (" + reason + "), it was " + behind / 1_000_000 + " ms behind");
        } catch (IOException | TimeoutException | RuntimeException e) {
            Log.debug("cannot set the guest clock of " + name + ": " + e.getMessage());
        }
    }

    /**
     * The container that booted the VM has ended: the members go with it (their processes killed in the
     * guest, their statuses recorded as killed, their host processes told), then the VM powers off.
     */
    void powerOff(GuestContainer first) throws InterruptedException {
        stopForwarding();
        for (GuestContainer member : containers()) {
            if (member != first) {
                member.endWithVm();
            }
        }
        long t0 = System.nanoTime();
        try {
            agent.shutdown(Duration.ofSeconds(5));
        } catch (IOException | TimeoutException e) {
            Log.debug("shutdown request: " + e.getMessage());
        }
        long t1 = System.nanoTime();
        try {
            agent.close();
        } catch (IOException ignored) {
            // Closing is what tells the guest it may power off.
        }
        if (!vm.awaitExit(Duration.ofSeconds(10))) {
            Log.warn("the VM of " + name + " did not power off; killing qemu");
        }
        long t2 = System.nanoTime();
        end(vm, net, share);
        long t3 = System.nanoTime();
        Log.debug("the VM of " + name + " powered off: shutdown answered in " + (t1 - t0) / 1_000_000
                + " ms, qemu gone " + (t2 - t1) / 1_000_000 + " ms later, the rest " + (t3 - t2) / 1_000_000 + " ms");
        for (String s : List.of("agent.sock", "qmp.sock")) {
            try {
                Files.deleteIfExists(runDir.resolve(s));
            } catch (IOException ignored) {
                // delete removes the whole folder later.
            }
        }
    }

    private void stopForwarding() {
        PortForwarder f = forwarder;
        forwarder = null;
        if (f != null) {
            f.stop();
        }
    }

    /** After a failed create of the first container: everything of the VM ends. */
    void abort() {
        stopForwarding();
        release(vm, agent, net, share);
    }

    /** What a VM that never became a pod's ends with: its console said (debug), its agent let go, the rest ended. */
    private static void release(QemuVm vm, AgentClient agent, GuestNetwork net, PodShare share) {
        logConsole(vm);
        if (agent != null) {
            try {
                agent.close();
            } catch (IOException ignored) {
                // Going away anyway.
            }
        }
        end(vm, net, share);
    }

    /** qemu (and its virtiofsd), the taps and filters, the share's binds: in that order, qemu first. */
    private static void end(QemuVm vm, GuestNetwork net, PodShare share) {
        if (vm != null) {
            vm.close();
        }
        net.tearDown();
        if (share != null) {
            share.close();
        }
    }
}
