package dev.hull.shim;

import dev.hull.agent.AgentClient;
import dev.hull.agent.ProcessStreams;
import dev.hull.agent.Request;
import dev.hull.agent.Results.ExitStatus;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hull.logging.Log;
import dev.hull.net.NetNamespace;
import dev.hull.oci.Hooks;
import dev.hull.qmp.QmpClient;
import dev.hull.oci.Bundle;
import dev.hull.state.ContainerState;
import dev.hull.state.Status;
import dev.hull.state.StateStore;
import dev.hull.sys.ClockWatch;
import dev.hull.sys.HostCgroup;
import dev.hull.sys.ProcessFds;
import dev.hull.sys.Terminal;
import dev.hull.vm.Accelerator;
import dev.hull.vm.Nic;
import dev.hull.vm.QemuVm;
import dev.hull.vm.VirtioFsd;
import dev.hull.vm.VmConfig;
import dev.hull.vm.VmResolver;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * One container's life, in the process whose pid is the container's pid: boots its VM, has the agent
 * prepare the workload with this process's stdio as the workload's, serves the CLI's verbs, and when the
 * workload ends records its status, powers the VM off and hands the status back as its own.
 */
public final class Shim {
    private static final Duration REQUEST = Duration.ofSeconds(30);
    /** No deadline for a slow reader of the container's output (awaitExit). */
    private static final Duration OUTPUT_FOREVER = Duration.ofDays(3650);
    /**
     * How often the guest's wall clock is set again without a reason: its TSC-based clock and the host's
     * NTP-disciplined one part by some tens of ppm (~0.1 s an hour).
     */
    private static final Duration CLOCK_SYNC = Duration.ofHours(1);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final StateStore store;
    private final String id;
    private final QemuVm vm;
    private final AgentClient agent;
    private final ProcessStreams io;
    private final CompletableFuture<ExitStatus> exit;
    private final Path runDir;
    private final ShimServer server;
    private final HostTerminal tty;
    private final Hooks hooks;
    private final GuestNetwork net;
    private final HookRunner hookRunner;
    private volatile ContainerState state;

    private Shim(StateStore store, String id, QemuVm vm, AgentClient agent, ProcessStreams io,
            CompletableFuture<ExitStatus> exit, Path runDir, ContainerState state, HostTerminal tty,
            Hooks hooks, GuestNetwork net, HookRunner hookRunner) throws IOException {
        this.net = net;
        this.hookRunner = hookRunner;
        this.tty = tty;
        this.hooks = hooks;
        this.store = store;
        this.id = id;
        this.vm = vm;
        this.agent = agent;
        this.io = io;
        this.exit = exit;
        this.runDir = runDir;
        this.state = state;
        this.server = new ShimServer(runDir.resolve("shim.sock"), this::handle);
    }

    /**
     * Boots the VM and prepares the workload; returns once it waits for {@code start}. On failure nothing
     * is left running and the exception says why.
     */
    public static Shim create(StateStore store, ContainerState initial, Bundle bundle, VmResolver.Resolved resolved,
            HostTerminal.Source terminal, boolean inNetns, HookRunner hookRunner) throws Exception {
        String id = initial.id();
        Path runDir = Path.of(initial.runDir());
        VmConfig config = resolved.config();
        var spec = bundle.spec();
        joinHostCgroup(store, id, spec, config);
        String accel = Accelerator.choose(config);
        config = config.with(kernelParams(config), config.cpus(), accel);
        ProcessHandle self = ProcessHandle.current();
        ContainerState hookState = initial.started(self.pid(),
                self.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L), 0);
        GuestNetwork net = hooksThenNetwork(spec, hookRunner, hookState, inNetns, runDir);
        Log.debug("booting " + id + " with " + config);
        QemuVm vm;
        Volumes volumes;
        try {
            List<Nic> nics = net.nics(accel);
            volumes = Volumes.plan(spec.mounts(), nics.size(), dev.hull.sys.Host.isRoot() ? runDir.resolve("files") : null);
            volumes.stage();
            List<String> params = Log.debugEnabled() ? List.of("hull.debug=1") : List.of();
            try {
                vm = QemuVm.launch(config, resolved.args(), runDir, bundle.rootfs(), spec.root().readonly(), "hull-" + id, params,
                        volumes.shares(), nics, volumes.qemuPrefix(net.qemuPrefix()));
            } catch (VirtioFsd.Unavailable e) {
                if (resolved.fallback() == null) {
                    throw e;
                }
                Log.warn(e.getMessage() + ": the root goes over 9p");
                vm = QemuVm.launch(config, resolved.fallback(), runDir, bundle.rootfs(), spec.root().readonly(), "hull-" + id, params,
                        volumes.shares(), nics, volumes.qemuPrefix(net.qemuPrefix()));
            }
        } catch (Exception e) {
            net.tearDown();
            throw e;
        }
        HostTerminal tty = null;
        AgentClient agent = null;
        try {
            long t0 = System.nanoTime();
            agent = vm.connectAgent(resolved.bootTimeout());
            Log.debug("guest agent answered after " + (System.nanoTime() - t0) / 1_000_000 + " ms (" + accel + ")");
            logConsole(vm);
            // The guest read the CMOS clock at boot, to the second: it gets the host's, to the microsecond.
            long behind = agent.setTime(REQUEST);
            if (Log.debugEnabled()) {
                var clock = agent.greeting().clock();
                Log.debug("guest clock: " + (clock == null ? "not reported" : clock.describe()) + "; set, it was "
                        + behind / 1_000_000 + " ms behind the host's");
            }
            AgentClient client = agent;
            // Only a shim inside the namespace can reach what the manager serves there.
            String dnsRelay = inNetns && DnsRelay.wanted(spec.mounts()) ? DnsRelay.ADDRESS : null;
            GuestEvents events = new GuestEvents(id);
            agent.onEvent(event -> events.on(client, event, dnsRelay != null));
            net.configureGuest(agent, REQUEST, dnsRelay);
            dev.hull.oci.Process process = spec.process();
            ProcessStreams io;
            if (process.terminal()) {
                tty = HostTerminal.open(terminal);
                process = sizedTo(tty, process);
                io = agent.streams(tty.out(), null, true);
            } else {
                OutputStream out = new FileOutputStream(FileDescriptor.out);
                io = agent.streams(out, ProcessFds.sameOpenFile(self.pid(), 1, 2) ? out
                        : new FileOutputStream(FileDescriptor.err), true);
            }
            long t1 = System.nanoTime();
            agent.create(createRequest(id, spec, process, volumes, io), REQUEST);
            Log.debug("the agent prepared the workload in " + (System.nanoTime() - t1) / 1_000_000 + " ms");
            CompletableFuture<ExitStatus> exit = agent.waitFor(id, null);
            io.pumpStdin(tty != null ? tty.in() : new FileInputStream(FileDescriptor.in));
            ContainerState created = initial.started(self.pid(), hookState.shimStarted(), vm.pid())
                    .withStatus(Status.CREATED)
                    .withVm(new ContainerState.VmInfo(config.qemu().toString(), config.kernel().toString(),
                            config.initrd().toString(), resolved.image() == null ? null : resolved.image().toString(),
                            config.memoryMiB(), config.cpus(), accel, vm.rootShare()));
            Shim shim = new Shim(store, id, vm, agent, io, exit, runDir, created, tty, spec.hooks(), net, hookRunner);
            store.write(created);
            if (tty != null) {
                shim.forwardWindowSize(tty, null, exit);
            }
            ClockWatch.start(CLOCK_SYNC, shim::onHostClock);
            return shim;
        } catch (Exception e) {
            if (tty != null) {
                tty.close();
            }
            logConsole(vm);
            if (agent != null) {
                agent.close();
            }
            vm.close();
            net.tearDown();
            throw e;
        }
    }

    /**
     * Into linux.cgroupsPath on the host before anything else starts (hooks, virtiofsd, qemu are born
     * there), with the container's limits sized for the whole VM. Recorded first in the state folder, so
     * that delete removes it even if this fails halfway. Not root: no cgroups (as rootless runc).
     */
    private static void joinHostCgroup(StateStore store, String id, dev.hull.oci.Spec spec, VmConfig config)
            throws IOException {
        if (!dev.hull.sys.Host.isRoot()) {
            return;
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
        } catch (IOException | RuntimeException e) {
            cgroup.remove();
            // A cgroupsPath the manager gave must hold, as with runc; runc's default (/ID) is a nicety.
            if (spec.linux().cgroupsPath() != null) {
                throw new IOException("cannot set up linux.cgroupsPath " + spec.linux().cgroupsPath()
                        + " on the host: " + e.getMessage(), e);
            }
            Log.warn("no cgroup on the host for " + id + " (" + e.getMessage() + ")");
        }
    }

    /**
     * createRuntime, then the deprecated prestart that docker still uses, before the VM: they are where
     * managers put interfaces into the container's network namespace (docker's setkey), and what they put
     * there is what the VM's NICs are made from. A failing one fails the create.
     */
    private static GuestNetwork hooksThenNetwork(dev.hull.oci.Spec spec, HookRunner hookRunner,
            ContainerState hookState, boolean inNetns, Path runDir) throws IOException {
        hookRunner.run("createRuntime", spec.hooks().createRuntime(), hookState, "creating");
        hookRunner.run("prestart", spec.hooks().prestart(), hookState, "created");
        boolean hooked = !Hooks.orEmpty(spec.hooks().createRuntime()).isEmpty()
                || !Hooks.orEmpty(spec.hooks().prestart()).isEmpty();
        return GuestNetwork.setUp(NetNamespace.of(spec), inNetns, hooked, runDir);
    }

    /** The agent's create: no mounts in config.json means its default set, else exactly those (guest paths). */
    private static Request.Create createRequest(String id, dev.hull.oci.Spec spec, dev.hull.oci.Process process,
            Volumes volumes, ProcessStreams io) {
        return new Request.Create(id, spec.hostname(), spec.root().readonly(), process,
                spec.mounts().isEmpty() ? null : volumes.mounts(), io.wire(),
                volumes.shares().stream().map(s -> new Request.VolumeShare(s.tag(), s.readonly())).toList(),
                spec.linux().sysctl().isEmpty() ? null : spec.linux().sysctl(), spec.linux().guest());
    }

    /** The process with the terminal's current size as its console size (the size the pty starts with). */
    private static dev.hull.oci.Process sizedTo(HostTerminal tty, dev.hull.oci.Process process) throws IOException {
        Terminal.Size size = tty.size();
        return size == null ? process
                : process.withTerminal(true, new dev.hull.oci.Process.ConsoleSize(size.rows(), size.cols()));
    }

    private static List<String> kernelParams(VmConfig config) {
        List<String> params = new ArrayList<>(config.kernelParams());
        if (Log.debugEnabled()) {
            // The seed's tip: without "quiet" the kernel's boot messages reach the console log.
            params.remove("quiet");
        }
        return params;
    }

    private static void logConsole(QemuVm vm) {
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

    /**
     * The host tty's size changes reach the guest's pty. Nothing signals the shim when a manager resizes
     * the pty master it holds (the shim is not the tty's session), so the size is polled.
     */
    private void forwardWindowSize(HostTerminal term, String exec, CompletableFuture<?> until) {
        Thread.ofPlatform().daemon().name("hull-winsize").start(() -> {
            Terminal.Size last = term.size();
            while (!until.isDone()) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                Terminal.Size now = term.size();
                if (now != null && !now.equals(last)) {
                    try {
                        agent.resize(new Request.Resize(id, exec, now.rows(), now.cols()), REQUEST);
                        last = now;
                    } catch (IOException | TimeoutException e) {
                        Log.debug("resize: " + e.getMessage());
                    }
                }
            }
        });
    }

    public ContainerState state() {
        return state;
    }

    private JsonNode handle(ShimRequest request) throws Exception {
        return switch (request) {
            case ShimRequest.Start s -> {
                start();
                yield null;
            }
            case ShimRequest.Kill k -> {
                kill(k.signal(), k.all());
                yield null;
            }
            case ShimRequest.Pause p -> {
                pause();
                yield null;
            }
            case ShimRequest.Resume r -> {
                resume();
                yield null;
            }
            case ShimRequest.Ps p -> JSON.valueToTree(agent.ps(id, REQUEST).processes());
            case ShimRequest.Stats s -> JSON.valueToTree(agent.stats(id, REQUEST));
            case ShimRequest.Exec e -> JSON.createObjectNode().put("pid", exec(e));
            case ShimRequest.WaitExec w -> JSON.createObjectNode().put("code", waitExec(w.exec()));
            case ShimRequest.Update u -> {
                agent.update(new Request.Update(id, u.resources()), REQUEST);
                yield null;
            }
        };
    }

    /**
     * An exec'd process: how it ends, and its output relays to drain before saying so; {@code stdin} is the
     * caller's, which the shim stops reading when the process ends.
     */
    private record ExecRun(CompletableFuture<ExitStatus> exit, ProcessStreams io, HostTerminal tty,
            java.io.InputStream stdin) {
    }

    private final java.util.Map<String, ExecRun> execs = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Starts a process in the container, wired to the stdio of the CLI process that asked (duplicated with
     * pidfd_getfd, so it writes to the very open files the caller has, as an inherited fd would; a terminal
     * through /proc).
     */
    private int exec(ShimRequest.Exec e) throws IOException, TimeoutException {
        if (state.status() != Status.RUNNING) {
            throw new IOException("cannot exec in container '" + id + "': it is " + state.status().json());
        }
        Path fds = Path.of("/proc", Long.toString(e.clientPid()), "fd");
        dev.hull.oci.Process process = e.process();
        HostTerminal term = null;
        ProcessStreams io;
        if (process.terminal()) {
            term = e.consoleSocket() != null
                    ? HostTerminal.open(new HostTerminal.Source(Path.of(e.consoleSocket()), null))
                    : HostTerminal.ofProcess(fds);
            process = sizedTo(term, process);
            io = agent.streams(term.out(), null, true);
        } else {
            OutputStream out = ProcessFds.output(e.clientPid(), 1);
            io = agent.streams(out, ProcessFds.sameOpenFile(e.clientPid(), 1, 2) ? out
                    : ProcessFds.output(e.clientPid(), 2), true);
        }
        int pid;
        try {
            pid = agent.exec(new Request.Exec(id, e.exec(), process, io.wire()), REQUEST);
        } catch (IOException | TimeoutException failed) {
            if (term != null) {
                term.close();
            }
            throw failed;
        }
        CompletableFuture<ExitStatus> done = agent.waitFor(id, e.exec());
        java.io.InputStream stdin = term != null ? term.in() : ProcessFds.input(e.clientPid(), 0);
        execs.put(e.exec(), new ExecRun(done, io, term, stdin));
        io.pumpStdin(stdin);
        if (term != null) {
            forwardWindowSize(term, e.exec(), done);
        }
        Log.info("exec " + e.exec() + " in " + id + ": " + String.join(" ", e.process().args()));
        return pid;
    }

    private int waitExec(String execId) throws Exception {
        ExecRun run = execs.get(execId);
        if (run == null) {
            throw new IOException("no exec '" + execId + "' in container '" + id + "'");
        }
        try {
            ExitStatus status = run.exit().get();
            run.io().awaitOutput(Duration.ofSeconds(30));
            return status.code();
        } catch (ExecutionException e) {
            // The VM went away: the process went with it.
            return 128 + 9;
        } finally {
            execs.remove(execId);
            // A manager may never close the process's stdin (docker's health checks): let go of it now.
            run.stdin().close();
            if (run.tty() != null) {
                run.tty().close();
            } else {
                run.io().closeSinks();
            }
        }
    }

    /** One QMP command to this container's qemu (stop and cont answer in well under a millisecond). */
    private void qmp(String command) throws IOException {
        try (QmpClient qmp = QmpClient.connect(vm.qmpSocket())) {
            qmp.execute(command);
        }
    }

    /**
     * Freezes the container's processes (its guest cgroup), then stops the whole VM (its vCPUs): nothing
     * in the container runs until resume, and on resume nothing of it runs before the clock is right.
     */
    public synchronized void pause() throws IOException, TimeoutException {
        if (state.status() != Status.RUNNING) {
            throw new IOException("container '" + id + "' is " + state.status().json() + ", not running");
        }
        agent.freeze(id, true, REQUEST);
        qmp("stop");
        state = state.withStatus(Status.PAUSED);
        store.write(state);
        Log.info("paused " + id);
    }

    /**
     * Continues the VM, sets the guest's wall clock (it stood still while the VM was stopped: the guest's
     * TSC stops with it), and only then thaws the container.
     */
    public synchronized void resume() throws IOException, TimeoutException {
        if (state.status() != Status.PAUSED) {
            throw new IOException("container '" + id + "' is " + state.status().json() + ", not paused");
        }
        qmp("cont");
        long behind = agent.setTime(REQUEST);
        agent.freeze(id, false, REQUEST);
        state = state.withStatus(Status.RUNNING);
        store.write(state);
        Log.info("resumed " + id + " (its clock was " + behind / 1_000_000 + " ms behind)");
    }

    /**
     * The host's clock was stepped or the host resumed from suspend (or an hour went by): the guest takes
     * the host's time again. A paused VM cannot answer; its resume sets the clock.
     */
    private synchronized void onHostClock(ClockWatch.Reason reason) {
        if (state.status() != Status.RUNNING && state.status() != Status.CREATED) {
            return;
        }
        try {
            long behind = agent.setTime(REQUEST);
            Log.debug("guest clock of " + id + " set (" + reason + "), it was " + behind / 1_000_000 + " ms behind");
        } catch (IOException | TimeoutException | RuntimeException e) {
            Log.debug("cannot set the guest clock of " + id + ": " + e.getMessage());
        }
    }

    public synchronized void start() throws IOException, TimeoutException {
        if (state.status() != Status.CREATED) {
            throw new IOException("container '" + id + "' is " + state.status().json() + ", not created");
        }
        agent.start(id, REQUEST);
        state = state.withStatus(Status.RUNNING);
        store.write(state);
        Log.info("started " + id);
        hookRunner.runQuietly("poststart", hooks.poststart(), state, "running");
    }

    public synchronized void kill(int signal, boolean all) throws IOException, TimeoutException {
        if (exit.isDone()) {
            throw new IOException("container '" + id + "' is not running");
        }
        // A paused VM cannot deliver anything: let it run for the signal, and pause it again unless
        // the signal is SIGKILL (after which there is nothing left to keep paused).
        boolean paused = state.status() == Status.PAUSED;
        if (paused) {
            qmp("cont");
        }
        agent.signal(new Request.Signal(id, null, signal, all), REQUEST);
        if (paused) {
            if (signal == 9) {
                try {
                    agent.setTime(REQUEST);
                    agent.freeze(id, false, REQUEST);
                } catch (IOException | TimeoutException e) {
                    Log.debug("after SIGKILL of paused " + id + ": " + e.getMessage());
                }
                state = state.withStatus(Status.RUNNING);
                store.write(state);
            } else {
                // The signal waits in the frozen processes until resume, as with runc's freezer.
                qmp("stop");
            }
        }
    }

    /** Waits for the workload to end, records it, powers the VM off; returns the container's exit code. */
    public int awaitExit() throws IOException, InterruptedException {
        int code;
        try {
            ExitStatus status = exit.get();
            code = status.code();
            // Every byte reaches the manager before the container is stopped, however late its reader is:
            // under runc the process itself would still be blocked writing them. (A reader that went away
            // breaks the sink, and the relay then only drains.) Waiting 30 s and going on lost the rest of
            // the output and turned the status into 0.
            io.awaitOutput(OUTPUT_FOREVER);
            Log.info(id + " exited with " + (status.signalled() ? "signal " + status.signal() : "code " + code));
        } catch (ExecutionException e) {
            code = 128 + 9;
            Log.error(id + ": lost the VM (" + e.getCause().getMessage() + "); recording it as killed");
        } catch (TimeoutException e) {
            code = state.exitCode() == null ? 128 + 9 : state.exitCode();
            Log.error(id + ": its output did not drain; recording it as killed");
        }
        if (tty != null) {
            tty.close();
        }
        synchronized (this) {
            state = state.stopped(code);
            store.write(state);
        }
        powerOff();
        return code;
    }

    private void powerOff() throws InterruptedException {
        try {
            server.close();
        } catch (IOException e) {
            Log.warn("closing shim.sock: " + e.getMessage());
        }
        try {
            agent.shutdown(Duration.ofSeconds(5));
        } catch (IOException | TimeoutException e) {
            Log.debug("shutdown request: " + e.getMessage());
        }
        try {
            agent.close();
        } catch (IOException ignored) {
            // Closing is what tells the guest it may power off.
        }
        if (!vm.awaitExit(Duration.ofSeconds(10))) {
            Log.warn("the VM of " + id + " did not power off; killing qemu");
        }
        vm.close();
        net.tearDown();
        for (String s : List.of("agent.sock", "qmp.sock")) {
            try {
                Files.deleteIfExists(runDir.resolve(s));
            } catch (IOException ignored) {
                // delete removes the whole folder later.
            }
        }
    }
}
