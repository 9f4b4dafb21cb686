package dev.hull.containerd;

import dev.hull.core.PodMembership;
import dev.hull.core.ShimNamespaces;
import dev.hull.containerd.api.events.TaskExit;
import dev.hull.containerd.api.events.TaskOOM;
import dev.hull.containerd.api.task.v2.CreateTaskRequest;
import dev.hull.core.Teardown;
import dev.hull.error.BadInputException;
import dev.hull.error.NotFoundException;
import dev.hull.error.WrongStateException;
import dev.hull.logging.Log;
import dev.hull.net.LiveNetns;
import dev.hull.net.NetNamespace;
import dev.hull.oci.Bundle;
import dev.hull.oci.HostNamespaces;
import dev.hull.oci.Process;
import dev.hull.oci.SpecRules;
import dev.hull.shim.RunDir;
import dev.hull.shim.ServedMember;
import dev.hull.shim.Shim;
import dev.hull.state.ContainerId;
import dev.hull.state.ContainerState;
import dev.hull.state.StateStore;
import dev.hull.state.Status;
import dev.hull.sys.ExitCodes;
import dev.hull.sys.Host;
import dev.hull.ttrpc.Code;
import dev.hull.ttrpc.TtrpcException;
import dev.hull.vm.VmResolver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The containers one v2 shim serves: the one whose VM it owns (a lone container, or a pod's sandbox) and
 * the pod's members. Their state is kept as the CLI keeps it (state.json under the namespace's root), so
 * {@code hull list} and {@code hull delete --force} see them too.
 */
final class Tasks {
    /** How long a delete waits for the VM to power off after the workload's end. */
    private static final Duration POWER_OFF = Duration.ofSeconds(30);
    private static final Duration OOM_POLL = Duration.ofSeconds(1);

    private final StateStore store;
    private final EventSink events;
    private final Teardown teardown;
    private final Map<String, ServedContainer> byId = new ConcurrentHashMap<>();

    Tasks(StateStore store, EventSink events, Teardown teardown) {
        this.store = store;
        this.events = events;
        this.teardown = teardown;
    }

    ServedContainer get(String id) throws NotFoundException {
        ServedContainer c = byId.get(id);
        if (c == null) {
            throw new NotFoundException("container " + id + " does not exist in this shim");
        }
        return c;
    }

    Optional<ServedContainer> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    boolean isEmpty() {
        return byId.isEmpty();
    }

    /**
     * containerd's Create: the root mounted at the bundle's rootfs, then the container made as the CLI's
     * create makes it, with containerd's fifos as its stdio. Nothing is left on failure.
     */
    synchronized ServedContainer create(CreateTaskRequest r) throws Exception {
        String id = ContainerId.validate(r.getId());
        if (byId.containsKey(id)) {
            throw new TtrpcException(Code.ALREADY_EXISTS, "container " + id + " exists already");
        }
        Path bundleDir = Path.of(r.getBundle()).toAbsolutePath().normalize();
        Path rootfs = bundleDir.resolve("rootfs");
        boolean mounted = false;
        if (r.getRootfsCount() > 0) {
            RootfsMounts.mount(r.getRootfsList(), rootfs);
            mounted = true;
        }
        try {
            return create(id, r, Bundle.load(bundleDir), rootfs, mounted);
        } catch (Exception e) {
            if (mounted) {
                RootfsMounts.unmount(rootfs);
            }
            throw e;
        }
    }

    private ServedContainer create(String id, CreateTaskRequest r, Bundle bundle, Path rootfs, boolean mounted)
            throws Exception {
        var spec = bundle.spec();
        SpecRules.warnings(spec.process()).forEach(Log::warn);
        var hostShared = HostNamespaces.whyNot(spec.linux());
        if (hostShared.isPresent()) {
            throw new BadInputException(hostShared.get());
        }
        Optional<String> sandbox = PodMembership.annotatedSandbox(spec.annotations());
        if (sandbox.isPresent() && !sandbox.get().equals(id)) {
            ServedContainer owner = byId.get(sandbox.get());
            if (owner == null || owner.shim == null) {
                throw new BadInputException("container " + id + " belongs to pod " + sandbox.get()
                        + ", whose VM this shim does not hold");
            }
            if (owner.exit.isDone()) {
                throw new WrongStateException("container " + id + " cannot join pod " + sandbox.get()
                        + ": its sandbox has ended");
            }
            return createMember(id, r, bundle, rootfs, mounted, owner);
        }
        if (!byId.isEmpty()) {
            throw new BadInputException("container " + id + " is no member of pod " + byId.keySet().iterator().next()
                    + ", whose VM this shim holds: it gets a shim of its own");
        }
        // Checked here, not only by `start`: bin/containerd-shim-hull-v2 starts this shim in those namespaces
        // without a JVM (a path it enters is only there, and a netns only joined: nothing is in it of Hull's yet).
        ShimNamespaces namespaces = ShimNamespaces.of(spec);
        namespaces.check();
        namespaces.checkOwned(new LiveNetns(), store);
        VmResolver.Resolved vm = new VmResolver(VmResolver.ETC, Host.home()).resolve(bundle);
        boolean inNetns = namespaces.net().kind() != NetNamespace.Kind.HOST;
        return claimed(id, r, bundle, null, "", io -> {
            Shim shim = Shim.createServed(store, store.read(id), bundle, vm, inNetns, io.stdio());
            ServedContainer c = new ServedContainer(id, bundle.dir(), rootfs, mounted, shim.container(), shim, io,
                    shim.state().pid(), r.getStdin(), r.getStdout(), r.getStderr(), r.getTerminal());
            adopt(c, code -> {
                shim.finish(code);
                shim.release();
            });
            return c;
        });
    }

    /**
     * A member of the pod whose VM this shim holds: created in that VM (MemberDoor), its anchor in the
     * namespaces its config.json names.
     */
    private ServedContainer createMember(String id, CreateTaskRequest r, Bundle bundle, Path rootfs, boolean mounted,
            ServedContainer owner) throws Exception {
        ShimNamespaces namespaces = ShimNamespaces.of(bundle.spec());
        namespaces.check();
        return claimed(id, r, bundle, owner.container.state().vm(), " in the VM of " + owner.id, io -> {
            ServedMember m = owner.shim.addMember(id, bundle, namespaces.launchPrefix(true), io.stdio());
            ServedContainer c = new ServedContainer(id, bundle.dir(), rootfs, mounted, m.container(), null, io,
                    m.pid(), r.getStdin(), r.getStdout(), r.getStderr(), r.getTerminal());
            adopt(c, m::end);
            return c;
        });
    }

    /** What makes the container once its state folder is claimed and containerd's stdio is open. */
    @FunctionalInterface
    private interface Maker {
        ServedContainer make(TaskIo io) throws Exception;
    }

    /**
     * The id claimed (its state folder and state.json, {@code vm}: the pod's VM for a member), containerd's
     * stdio opened, then the container made; on failure the stdio is closed and the core takes back the rest.
     */
    private ServedContainer claimed(String id, CreateTaskRequest r, Bundle bundle, ContainerState.VmInfo vm,
            String where, Maker maker) throws Exception {
        Path dir = store.claim(id);
        Path runDir = null;
        TaskIo io = null;
        try {
            runDir = RunDir.forStateDir(dir, true);
            store.write(ContainerState.creating(id, bundle.dir().toString(), bundle.rootfs().toString(),
                    bundle.spec().annotations(), runDir.toString(), vm));
            Log.info("creating " + id + " from " + bundle.dir() + where);
            io = TaskIo.open(r.getStdin(), r.getStdout(), r.getStderr(), r.getTerminal());
            return maker.make(io);
        } catch (Exception e) {
            if (io != null) {
                io.close();
            }
            teardown.afterFailedCreate(id, dir, runDir);
            throw e;
        }
    }

    /** What follows a workload's end once containerd has heard it: the VM powered off, or a member let go. */
    @FunctionalInterface
    interface Finish {
        void after(int code) throws IOException, InterruptedException;
    }

    /** A container made: served from now on, its end watched (its exit said to containerd, then {@code finish}). */
    void adopt(ServedContainer c, Finish finish) {
        byId.put(c.id, c);
        watch(c, finish);
    }

    private void watch(ServedContainer c, Finish finish) {
        Thread.ofPlatform().daemon().name("hull-v2-wait").start(() -> {
            int code;
            try {
                code = c.container.awaitExit();
            } catch (IOException e) {
                Log.error(c.id + ": " + e.getMessage());
                code = ExitCodes.KILLED;
            }
            c.io.close();
            Exit exit = new Exit(code, Instant.now());
            OptionalLong atExit = c.container.oomKillsAtExit();
            if (atExit.isPresent()) {
                sayOom(c, atExit.getAsLong());
            } else {
                checkOom(c);
            }
            exited(c, null, (int) c.pid, exit);
            c.exit.complete(exit);
            try {
                finish.after(code);
            } catch (IOException | RuntimeException e) {
                Log.warn("after the end of " + c.id + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            c.gone.complete(null);
        });
        Thread.ofPlatform().daemon().name("hull-v2-oom").start(() -> watchOom(c));
    }

    /**
     * The guest's OOM killer counts its kills in the container's cgroup (the agent's stats): each new one
     * is a TaskOOM for containerd, as runc's shim sends from the host cgroup's memory.events. Looked at every
     * second while the workload runs, and once more when it has ended, before its exit is said (a workload
     * killed within the second is the usual case): the count the guest sent with the end (the agent's wait
     * answer), or, from an agent that does not send it, the stats.
     */
    private void watchOom(ServedContainer c) {
        // A second first: the agent answers one request at a time, and the container's start comes now.
        while (!awaitExit(c, OOM_POLL)) {
            checkOom(c);
        }
    }

    /** Whether the workload has ended within {@code time}. */
    private static boolean awaitExit(ServedContainer c, Duration time) {
        try {
            c.exit.get(time.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } catch (ExecutionException e) {
            return true;
        }
    }

    /**
     * One look, and its TaskOOM said, under the container's lock: the watch's last look waits for a look of
     * the poll that saw the kill first, so the TaskOOM is never said after the TaskExit (CI once saw that).
     */
    private void checkOom(ServedContainer c) {
        synchronized (c.oomKills) {
            try {
                sayOom(c, c.container.stats().memory().oomKills());
            } catch (Exception e) {
                Log.debug("oom watch of " + c.id + ": " + e.getMessage());
            }
        }
    }

    /** A TaskOOM when {@code kills} is more than containerd has heard of. */
    private void sayOom(ServedContainer c, long kills) {
        synchronized (c.oomKills) {
            if (kills > c.oomKills.getAndSet(kills)) {
                events.publish("/tasks/oom", TaskOOM.newBuilder().setContainerId(c.id).build());
            }
        }
    }

    /** A process ended: containerd hears it before anyone can delete it. */
    private void exited(ServedContainer c, String execId, int pid, Exit exit) {
        events.publish("/tasks/exit", TaskExit.newBuilder().setContainerId(c.id).setId(execId == null ? c.id : execId)
                .setPid(pid).setExitStatus(exit.status()).setExitedAt(Events.timestamp(exit.at())).build());
    }

    synchronized void addExec(ServedContainer c, String execId, Process process, String stdin, String stdout,
            String stderr, boolean terminal) throws Exception {
        if (execId.isEmpty() || !ContainerId.isValid(execId)) {
            throw new BadInputException("exec id '" + execId + "' is not valid");
        }
        if (c.execs.containsKey(execId)) {
            throw new TtrpcException(Code.ALREADY_EXISTS, "exec " + execId + " exists already in " + c.id);
        }
        if (c.exit.isDone()) {
            throw new WrongStateException("container " + c.id + " is stopped");
        }
        c.execs.put(execId, new ServedExec(execId, process, TaskIo.open(stdin, stdout, stderr, terminal), stdin,
                stdout, stderr, terminal));
    }

    ServedExec exec(ServedContainer c, String execId) throws NotFoundException {
        ServedExec e = c.execs.get(execId);
        if (e == null) {
            throw new NotFoundException("exec " + execId + " does not exist in " + c.id);
        }
        return e;
    }

    ServedExec startExec(ServedContainer c, String execId) throws Exception {
        ServedExec e = exec(c, execId);
        synchronized (e) {
            if (e.started) {
                throw new WrongStateException("exec " + execId + " in " + c.id + " has started already");
            }
            e.pid = c.container.exec(e.id, e.process, e.io.stdio(), 0);
            e.started = true;
        }
        Thread.ofPlatform().daemon().name("hull-v2-exec").start(() -> {
            int code;
            try {
                code = c.container.waitExec(e.id);
            } catch (Exception failed) {
                code = ExitCodes.KILLED;
            }
            e.io.close();
            Exit exit = new Exit(code, Instant.now());
            exited(c, e.id, e.pid, exit);
            e.exit.complete(exit);
        });
        return e;
    }

    ServedExec deleteExec(ServedContainer c, String execId) throws Exception {
        ServedExec e = exec(c, execId);
        if (e.started && !e.exit.isDone()) {
            throw new WrongStateException("exec " + execId + " in " + c.id + " is running");
        }
        c.execs.remove(execId);
        if (!e.started) {
            e.io.close();
        }
        return e;
    }

    /**
     * containerd's Delete of a task: a created one that never started is killed first (runc deletes a created
     * container); a running one is refused. Once its VM is down its state, root mount and folders go.
     */
    Exit delete(ServedContainer c) throws Exception {
        if (!c.exit.isDone()) {
            Status status = c.container.state().status();
            if (status == Status.CREATED) {
                c.container.kill(ExitCodes.SIGKILL, true);
            } else if (status != Status.STOPPED) {
                throw new WrongStateException("cannot delete container " + c.id + " that is " + status.json()
                        + ": kill it first");
            }
            // Stopped: its end is being said to containerd (the exit event goes out first), then it is deleted.
        }
        Exit exit = c.exit.get(POWER_OFF.toSeconds(), TimeUnit.SECONDS);
        try {
            c.gone.get(POWER_OFF.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            Log.warn("the VM of " + c.id + " did not power off in " + POWER_OFF.toSeconds() + " s");
        }
        for (ServedExec e : c.execs.values()) {
            e.io.close();
        }
        // The VM is down and the anchor told: the core's delete finds nothing running and removes the rest.
        teardown.delete(store, c.id, true);
        if (c.rootfsMounted) {
            RootfsMounts.unmount(c.rootfs);
        }
        byId.remove(c.id);
        Log.info("deleted " + c.id);
        return exit;
    }

}
