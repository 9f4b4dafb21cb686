package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hull.agent.AgentClient;
import dev.hull.agent.ProcessStreams;
import dev.hull.agent.Request;
import dev.hull.agent.Results;
import dev.hull.agent.Results.ExitStatus;
import dev.hull.core.Verb;
import dev.hull.error.BadInputException;
import dev.hull.error.NotFoundException;
import dev.hull.error.WrongStateException;
import dev.hull.json.Json;
import dev.hull.logging.Log;
import dev.hull.oci.Bundle;
import dev.hull.oci.Hooks;
import dev.hull.oci.Process;
import dev.hull.state.ContainerState;
import dev.hull.state.StateStore;
import dev.hull.state.Status;
import dev.hull.sys.ExitCodes;
import dev.hull.sys.Host;
import dev.hull.sys.ProcessFds;
import dev.hull.sys.Terminal;
import dev.hull.vm.VmSizing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What belongs to one container in a VM: its process in the guest, its streams, its status and the verbs
 * the CLI sends to its {@code shim.sock}. The VM's parts are its {@link PodVm}'s.
 */
public final class GuestContainer implements ContainerControl {
    private static final Duration REQUEST = PodVm.REQUEST;
    /** No deadline for a slow reader of the container's output (awaitExit). */
    private static final Duration OUTPUT_FOREVER = Duration.ofDays(3650);
    private static final ObjectMapper JSON = Json.mapper();
    /** How often the watch on an exec's caller looks whether the process has ended on its own. */
    private static final int CALLER_POLL_MS = 500;

    private final StateStore store;
    private final String id;
    private final PodVm pod;
    private final AgentClient agent;
    private final ProcessStreams io;
    /** The first process's end as the agent said it; {@code exit}, its status. */
    private final CompletableFuture<Results.FirstEnd> end;
    private final CompletableFuture<ExitStatus> exit;
    private final ShimServer server;
    private final HostTerminal tty;
    private final Hooks hooks;
    private final HookRunner hookRunner;
    private final Map<String, ExecRun> execs = new ConcurrentHashMap<>();
    /** Done once the container's end is recorded (its status and code in state.json). */
    private final CompletableFuture<Integer> ended = new CompletableFuture<>();
    private volatile ContainerState state;

    private GuestContainer(StateStore store, PodVm pod, ProcessStreams io, CompletableFuture<Results.FirstEnd> end,
            Path runDir, ContainerState state, HostTerminal tty, Hooks hooks, HookRunner hookRunner)
            throws IOException {
        this.store = store;
        this.id = state.id();
        this.pod = pod;
        this.agent = pod.agent();
        this.io = io;
        this.end = end;
        this.exit = end.thenApply(Results.FirstEnd::status);
        this.state = state;
        this.tty = tty;
        this.hooks = hooks;
        this.hookRunner = hookRunner;
        this.server = new ShimServer(runDir.resolve("shim.sock"), this::handle);
    }

    /**
     * Has the agent prepare the container's process in the VM (waiting for start), with {@code stdio} as its
     * stdio, and records it as created with {@code created} as its state. {@code root}: where its root is in
     * the share (null: the share itself); {@code join}: the uts/ipc/pid namespaces it shares with another
     * container of the VM.
     */
    static GuestContainer create(StateStore store, PodVm pod, ContainerState created, Bundle bundle,
            Volumes volumes, String root, Map<String, String> join, HostStdio stdio, HookRunner hookRunner)
            throws Exception {
        var spec = bundle.spec();
        AgentClient agent = pod.agent();
        Process process = spec.process();
        if (stdio.tty() != null) {
            process = sizedTo(stdio.tty(), process);
        }
        ProcessStreams io = agent.streams(stdio.out(), stdio.err(), true);
        long t1 = System.nanoTime();
        agent.create(new Request.Create(created.id(), hostname(spec.hostname()), spec.root().readonly(), process,
                spec.mounts().isEmpty() ? null : volumes.mounts(), io.wire(),
                volumes.shares().stream().map(s -> new Request.VolumeShare(s.tag(), s.readonly())).toList(),
                spec.linux().sysctl().isEmpty() ? null : spec.linux().sysctl(), spec.linux().guest(), root,
                join == null || join.isEmpty() ? null : join), REQUEST);
        Log.debug("the agent prepared " + created.id() + " in " + (System.nanoTime() - t1) / 1_000_000 + " ms");
        CompletableFuture<Results.FirstEnd> end = agent.waitForFirst(created.id());
        io.pumpStdin(stdio.in());
        GuestContainer c;
        try {
            c = new GuestContainer(store, pod, io, end, Path.of(created.runDir()), created, stdio.tty(),
                    spec.hooks(), hookRunner);
        } catch (IOException e) {
            agent.delete(created.id(), REQUEST);
            throw e;
        }
        pod.add(c);
        store.write(created);
        if (stdio.tty() != null) {
            c.forwardWindowSize(stdio.tty(), null, c.exit);
        }
        return c;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public ContainerState state() {
        return state;
    }

    /** The process with the terminal's current size as its console size (the size the pty starts with). */
    private static Process sizedTo(HostTerminal tty, Process process) throws IOException {
        Terminal.Size size = tty.size();
        return size == null ? process
                : process.withTerminal(true, new Process.ConsoleSize(size.rows(), size.cols()));
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
            case ShimRequest.Ps p -> JSON.valueToTree(ps());
            case ShimRequest.Stats s -> JSON.valueToTree(stats());
            case ShimRequest.Exec e -> JSON.createObjectNode().put("pid", exec(e));
            case ShimRequest.WaitExec w -> JSON.createObjectNode().put("code", waitExec(w.exec()));
            case ShimRequest.Update u -> {
                update(u.resources());
                yield null;
            }
        };
    }

    /** The processes of the container in the guest (guest pids). */
    public List<Results.ProcessInfo> ps() throws IOException, TimeoutException {
        return agent.ps(id, REQUEST).processes();
    }

    /** The guest cgroup's figures. */
    @Override
    public Results.Stats stats() throws IOException, TimeoutException {
        return agent.stats(id, REQUEST);
    }

    /** New limits for the guest cgroup; what the VM cannot give is refused first. */
    @Override
    public void update(JsonNode resources) throws IOException, TimeoutException, BadInputException {
        var info = pod.info();
        var beyond = VmSizing.beyond(resources, info.memoryMiB(), info.cpus(),
                Runtime.getRuntime().availableProcessors());
        if (beyond.isPresent()) {
            throw new BadInputException("cannot update container '" + id + "': " + beyond.get());
        }
        agent.update(new Request.Update(id, resources), REQUEST);
    }

    /** A new size for the guest pty of the container ({@code exec} null) or of one of its execs. */
    @Override
    public void resize(String exec, int rows, int cols) throws IOException, TimeoutException {
        agent.resize(new Request.Resize(id, exec, rows, cols), REQUEST);
    }

    /** A signal for one exec'd process. */
    @Override
    public void signalExec(String exec, int signal) throws IOException, TimeoutException {
        agent.signal(new Request.Signal(id, exec, signal, false), REQUEST);
    }

    /**
     * An exec'd process: how it ends, and its output relays to drain before saying so; {@code stdin} is the
     * caller's, which the shim stops reading when the process ends.
     */
    private record ExecRun(CompletableFuture<ExitStatus> exit, ProcessStreams io, HostTerminal tty,
            InputStream stdin) {
    }

    /**
     * Starts a process in the container, wired to the stdio of the CLI process that asked (duplicated with
     * pidfd_getfd, so it writes to the very open files the caller has, as an inherited fd would; a terminal
     * through /proc).
     */
    private int exec(ShimRequest.Exec e) throws IOException, TimeoutException, WrongStateException {
        Verb.EXEC.check(id, state.status());
        Process process = e.process();
        HostStdio stdio;
        if (process.terminal()) {
            stdio = HostStdio.of(e.consoleSocket() != null
                    ? HostTerminal.open(new HostTerminal.Source(Path.of(e.consoleSocket()), null))
                    : HostTerminal.ofProcess(Path.of("/proc", Long.toString(e.clientPid()), "fd")));
            process = sizedTo(stdio.tty(), process);
        } else {
            stdio = HostStdio.ofProcess(e.clientPid());
        }
        return exec(e.exec(), process, stdio, e.clientPid());
    }

    /**
     * config.json's hostname; none (or "") keeps the one of the uts namespace the shim is in, the caller's or
     * the container's (ShimNamespaces), as runc's new uts namespace keeps its caller's: not the guest kernel's.
     */
    private static String hostname(String configured) {
        return configured != null && !configured.isEmpty() ? configured : Host.hostname().orElse(null);
    }

    /**
     * Starts a process in the container with {@code stdio} as its stdio; {@code clientPid} (0: none) stands
     * for the process (see bindToCaller). Returns its pid in the guest.
     */
    @Override
    public int exec(String execId, Process process, HostStdio stdio, long clientPid)
            throws IOException, TimeoutException, WrongStateException {
        Verb.EXEC.check(id, state.status());
        ProcessStreams execIo = agent.streams(stdio.out(), stdio.err(), true);
        int pid;
        try {
            pid = agent.exec(new Request.Exec(id, execId, process, execIo.wire()), REQUEST);
        } catch (IOException | TimeoutException failed) {
            // The caller's output copies go too: held here, a reader of its pipe never saw the end
            // (`hull exec c /nonexistent | cat` hung), and each failed exec kept an fd in the shim.
            if (stdio.tty() != null) {
                stdio.tty().close();
            } else {
                execIo.closeSinks();
                stdio.in().close();
            }
            throw failed;
        }
        CompletableFuture<ExitStatus> done = agent.waitFor(id, execId);
        execs.put(execId, new ExecRun(done, execIo, stdio.tty(), stdio.in()));
        if (clientPid > 0) {
            bindToCaller(execId, clientPid, done);
        }
        execIo.pumpStdin(stdio.in());
        if (stdio.tty() != null) {
            forwardWindowSize(stdio.tty(), execId, done);
        }
        Log.info("exec " + execId + " in " + id + ": " + String.join(" ", process.args()));
        return pid;
    }

    /**
     * The exec'd process ends with the CLI process that asked for it: for a detached exec that is the relay
     * whose pid the manager holds as the process's, and under runc that pid is the process, so a manager that
     * kills it (containerd's ExecSync timeout, with SIGKILL) ends the process. The caller gone before the
     * process ended, however it went, makes the shim kill the process in the guest. Watched through a pidfd
     * (not fooled by a reused pid); without pidfds, by polling the caller's ProcessHandle.
     */
    private void bindToCaller(String exec, long clientPid, CompletableFuture<ExitStatus> done) {
        ProcessFds.ExitWatch watch = ProcessFds.watchExit(clientPid);
        Optional<ProcessHandle> handle = watch == null ? ProcessHandle.of(clientPid) : Optional.empty();
        Thread.ofPlatform().daemon().name("hull-exec-caller").start(() -> {
            try {
                boolean gone = false;
                while (!gone && !done.isDone()) {
                    if (watch != null) {
                        gone = watch.ended(CALLER_POLL_MS);
                    } else {
                        gone = handle.map(h -> !h.isAlive()).orElse(true);
                        Thread.sleep(CALLER_POLL_MS);
                    }
                }
                if (gone && !done.isDone()) {
                    Log.info("exec " + exec + " in " + id + ": its caller (pid " + clientPid + ") is gone; killing"
                            + " the process");
                    agent.signal(new Request.Signal(id, exec, ExitCodes.SIGKILL, false), REQUEST);
                }
                if (gone) {
                    // Nobody will ask for its status: what the shim holds for it goes once it has ended.
                    waitExec(exec);
                }
            } catch (NotFoundException e) {
                // Its status was asked for already, and what the shim held for it is gone.
            } catch (Exception e) {
                Log.debug("exec " + exec + " in " + id + " after its caller: " + e.getMessage());
            } finally {
                if (watch != null) {
                    watch.close();
                }
            }
        });
    }

    /** A signal for an exec'd process that has not ended (one that has is left alone, as runc's kill would). */
    @Override
    public int waitExec(String execId) throws Exception {
        ExecRun run = execs.get(execId);
        if (run == null) {
            throw new NotFoundException("no exec '" + execId + "' in container '" + id + "'");
        }
        try {
            ExitStatus status = run.exit().get();
            run.io().awaitOutput(Duration.ofSeconds(30));
            return status.code();
        } catch (ExecutionException e) {
            // The VM went away: the process went with it.
            return ExitCodes.KILLED;
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

    /** Freezes the container's processes (its guest cgroup); alone in its VM, the VM stops too. */
    @Override
    public synchronized void pause() throws IOException, TimeoutException, WrongStateException {
        Verb.PAUSE.check(id, state.status());
        agent.freeze(id, true, REQUEST);
        pod.paused(this);
        state = state.withStatus(Status.PAUSED);
        store.write(state);
        Log.info("paused " + id);
    }

    /** Continues a stopped VM and sets its clock, and only then thaws the container. */
    @Override
    public synchronized void resume() throws IOException, TimeoutException, WrongStateException {
        Verb.RESUME.check(id, state.status());
        long behind = pod.running();
        agent.freeze(id, false, REQUEST);
        state = state.withStatus(Status.RUNNING);
        store.write(state);
        Log.info("resumed " + id + (behind > 0 ? " (its clock was " + behind / 1_000_000 + " ms behind)" : ""));
    }

    @Override
    public synchronized void start() throws IOException, TimeoutException, WrongStateException {
        Verb.START.check(id, state.status());
        agent.start(id, REQUEST);
        state = state.withStatus(Status.RUNNING);
        store.write(state);
        Log.info("started " + id);
        hookRunner.runQuietly("poststart", hooks.poststart(), state, "running");
    }

    @Override
    public synchronized void kill(int signal, boolean all)
            throws IOException, TimeoutException, WrongStateException {
        // Its end may not be recorded yet: it ended while the kill was on its way.
        Status now = exit.isDone() ? Status.STOPPED : state.status();
        Verb.kill(all).check(id, now);
        if (!now.isUp()) {
            // kill --all of a stopped container: nothing to signal.
            return;
        }
        // A stopped VM cannot deliver anything: let it run for the signal, and stop it again unless the
        // signal is SIGKILL (after which there is nothing left to keep paused).
        boolean vmStopped = state.status() == Status.PAUSED && pod.stopped();
        if (vmStopped) {
            pod.running();
        }
        agent.signal(new Request.Signal(id, null, signal, all), REQUEST);
        if (state.status() == Status.PAUSED) {
            if (signal == ExitCodes.SIGKILL) {
                try {
                    agent.freeze(id, false, REQUEST);
                } catch (IOException | TimeoutException e) {
                    Log.debug("after SIGKILL of paused " + id + ": " + e.getMessage());
                }
                state = state.withStatus(Status.RUNNING);
                store.write(state);
            } else if (vmStopped) {
                // The signal waits in the frozen processes until resume, as with runc's freezer.
                pod.stopAgain();
            }
        }
    }

    @Override
    public OptionalLong oomKillsAtExit() {
        Results.FirstEnd e = end.isDone() && !end.isCompletedExceptionally() ? end.join() : null;
        return e == null || e.oomKills() == null ? OptionalLong.empty() : OptionalLong.of(e.oomKills());
    }

    /**
     * Waits for the workload to end and records it; returns the container's exit code (128+signal when a
     * signal ended it, 137 when the VM was lost).
     */
    @Override
    public int awaitExit() throws IOException {
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
            code = ExitCodes.KILLED;
            Log.error(id + ": lost the VM (" + e.getCause().getMessage() + "); recording it as killed");
        } catch (TimeoutException e) {
            code = state.exitCode() == null ? ExitCodes.KILLED : state.exitCode();
            Log.error(id + ": its output did not drain; recording it as killed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = ExitCodes.KILLED;
        }
        if (tty != null) {
            tty.close();
        }
        synchronized (this) {
            state = state.stopped(code);
            try {
                store.write(state);
            } catch (IOException e) {
                // The VM must still power off and its network go: the status reads "stopped" anyway once
                // this process has ended (only the code is lost).
                Log.error("cannot record the end of " + id + " (code " + code + "): " + e.getMessage());
            }
        }
        try {
            server.close();
        } catch (IOException e) {
            Log.warn("closing shim.sock of " + id + ": " + e.getMessage());
        }
        ended.complete(code);
        return code;
    }

    /** The member's process is gone from the guest: the agent forgets it, its root leaves the share. */
    void release() {
        pod.remove(this);
        try {
            agent.delete(id, REQUEST);
        } catch (IOException | TimeoutException e) {
            Log.debug("delete " + id + " in the guest: " + e.getMessage());
        }
        if (pod.share() != null) {
            pod.share().remove(id);
        }
    }

    /** Its VM is going away: its processes are killed and its end recorded before the VM powers off. */
    void endWithVm() {
        try {
            if (!exit.isDone()) {
                agent.signal(new Request.Signal(id, null, ExitCodes.SIGKILL, true), REQUEST);
            }
            ended.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            Log.warn("member " + id + " did not end with its VM: " + e.getMessage());
        }
    }
}
