package dev.hull.core;

import dev.hull.error.HullException;
import dev.hull.error.InternalException;
import dev.hull.logging.Log;
import dev.hull.state.ContainerState;
import dev.hull.state.StateStore;
import dev.hull.sys.HostCgroup;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The end of a container on the host, in one order for every front and every way a container ends: its shim
 * told to kill (killed itself if it does not stop in time), the VM owner waited for, a recorded qemu that
 * survived killed, what is left in its host cgroup or names its folders ended, its taps, folders and host
 * cgroup removed, its poststop hooks run. The order matters: a folder removed before the processes that use
 * it have ended leaves them running with nothing to find them by.
 */
public final class Teardown {
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(20);

    private final HostOps host;

    public Teardown(HostOps host) {
        this.host = host;
    }

    /** On this host. */
    public static Teardown live() {
        return new Teardown(HostOps.live());
    }

    /**
     * Deletes a container under its lock; a running or paused one only with {@code force} (it is killed
     * first). With {@code force} an unreadable state.json is no obstacle (see {@link #removeUnreadable}).
     */
    public void delete(StateStore store, String id, boolean force) throws HullException, IOException {
        try (var lock = store.lock(id)) {
            ContainerState st;
            try {
                st = store.read(id);
            } catch (IOException | RuntimeException e) {
                if (!force) {
                    throw new InternalException("the state of container '" + id + "' cannot be read (" + e.getMessage()
                            + "): delete --force removes it", e);
                }
                deleteUnreadable(store, id);
                return;
            }
            boolean shimAlive = host.shimAlive(st);
            Verb.delete(force).check(id, st.effectiveStatus(() -> shimAlive));
            // A shim that died before its create finished never recorded qemu: look for what it left. A pod
            // member has no qemu: only a member whose host process was never recorded is looked for (reading
            // every process's command line at each member's delete was work for nothing).
            boolean unrecorded = st.member() ? st.pid() <= 0 : !shimAlive && st.qemuPid() <= 0;
            stopShim(st);
            Path dir = store.dir(id);
            Path runDir = st.runDir() == null ? host.runDirOf(dir) : Path.of(st.runDir());
            endLeftovers(id, dir, runDir, unrecorded);
            removeTraces(id, dir, st.runDir() == null ? null : Path.of(st.runDir()));
            Log.info("deleted " + id);
            host.poststop(st);
        }
    }

    /**
     * Removes, under its lock, a container whose state.json is broken: what it ran is found without it, by
     * the cgroup the shim recorded (every process in it) and by the paths in command lines (the shim, qemu
     * and virtiofsd name the state or run folder), ended, and everything removed.
     */
    public void removeUnreadable(StateStore store, String id) throws HullException, IOException {
        try (var lock = store.lock(id)) {
            deleteUnreadable(store, id);
        }
    }

    private void deleteUnreadable(StateStore store, String id) throws IOException {
        Path dir = store.dir(id);
        Path runDir = host.runDirOf(dir);
        endLeftovers(id, dir, runDir, true);
        removeTraces(id, dir, runDir);
        Log.warn("deleted " + id + ", whose state could not be read");
    }

    /**
     * A create that failed after claiming {@code dir} ({@code runDir} null: before the run folder was
     * chosen). A shim killed while booting leaves its qemu and virtiofsd running, and one that died between
     * starting virtiofsd and qemu leaves virtiofsd waiting for a qemu for ever, so they are looked for.
     */
    public void afterFailedCreate(String id, Path dir, Path runDir) throws IOException {
        if (runDir != null) {
            endLeftovers(id, dir, runDir, true);
        }
        removeTraces(id, dir, runDir);
    }

    /**
     * A pod member's create that failed: it has no VM, and its host process is the caller's child, ended by
     * the caller; only its folders go.
     */
    public void afterFailedMember(String id, Path dir, Path runDir) throws IOException {
        removeTraces(id, dir, runDir);
    }

    /** The seed's {@code stop}: ends the workload and its VM now, leaving the container stopped. */
    public void stop(StateStore store, String id) throws HullException, IOException {
        try (var lock = store.lock(id)) {
            stopShim(store.read(id));
        }
    }

    /**
     * An attached run whose workload has ended (this process was its shim, so nothing of it runs): its
     * folders and host cgroup go, and its poststop hooks run.
     */
    public void afterRun(StateStore store, String id) throws IOException {
        ContainerState st = store.find(id).orElse(null);
        removeTraces(id, store.dir(id), st == null || st.runDir() == null ? null : Path.of(st.runDir()));
        if (st != null) {
            host.poststop(st);
        }
    }

    private void stopShim(ContainerState st) {
        if (host.shimAlive(st)) {
            try {
                host.shimKillAll(Path.of(st.runDir()).resolve("shim.sock"));
            } catch (IOException | HullException e) {
                Log.debug("kill through the shim: " + e.getMessage());
            }
            if (!host.awaitShimGone(st, STOP_DEADLINE)) {
                Log.warn("shim " + st.pid() + " of " + st.id() + " did not stop; killing it");
                host.destroy(st.pid());
            }
        }
        awaitOwner(st);
        killQemu(st);
    }

    /**
     * The container's pid is its anchor: the VM owner that told it the end may still be taking the VM down
     * (or, the anchor killed, only now ending the container). Whatever it does not finish in time is ended
     * as a leftover.
     */
    private void awaitOwner(ContainerState st) {
        if (st.runDir() != null && !host.awaitOwnerGone(Path.of(st.runDir()), STOP_DEADLINE)) {
            Log.warn("the VM owner of " + st.id() + " did not end");
        }
    }

    /** A qemu whose shim died would run on; its pid may since be another process's, hence the command line. */
    private void killQemu(ContainerState st) {
        if (st.qemuPid() <= 0 || st.runDir() == null) {
            return;
        }
        boolean ours = host.commandLine(st.qemuPid()).map(line -> line.contains(st.runDir())).orElse(false);
        if (ours && !host.end(List.of(st.qemuPid())).isEmpty()) {
            Log.warn("qemu " + st.qemuPid() + " did not exit");
        }
    }

    /**
     * Ends what the shim did not: every process in the host cgroup (cheap: a few files), and with
     * {@code scan} every process whose command line names the state or run folder (reads every process's).
     */
    private void endLeftovers(String id, Path dir, Path runDir, boolean scan) throws IOException {
        Set<Long> left = new LinkedHashSet<>(host.cgroupProcesses(dir.resolve(HostCgroup.FILE)));
        if (scan) {
            // virtiofsd (--socket-path), qemu (its sockets and logs), the shim (--notify) name these.
            left.addAll(host.processesNaming(List.of(dir + "/", runDir + "/")));
        }
        if (left.isEmpty()) {
            return;
        }
        for (long pid : host.end(left)) {
            Log.warn("process " + pid + " of " + id + " did not end");
        }
        Log.info("ended " + left.size() + " processes " + id + " left behind");
    }

    private void removeTraces(String id, Path dir, Path runDir) throws IOException {
        if (runDir != null) {
            // A shim that died left its taps and filters in the manager's network namespace.
            host.removeTaps(runDir);
            if (!runDir.equals(dir)) {
                host.deleteTree(runDir);
            }
        }
        removeHostCgroup(id, dir);
        host.deleteTree(dir);
        Log.debug("removed the state of " + id);
    }

    /** Removed only once its processes are gone: the kernel refuses a cgroup that holds one. */
    private void removeHostCgroup(String id, Path dir) {
        Path file = dir.resolve(HostCgroup.FILE);
        try {
            var left = host.removeCgroup(file);
            if (!left.isEmpty()) {
                Log.warn("cgroups of " + id + " still in use, left: " + left);
            }
        } catch (IOException e) {
            Log.warn("cannot read " + file + ": " + e.getMessage());
        }
    }
}
