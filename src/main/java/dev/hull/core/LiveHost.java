package dev.hull.core;

import dev.hull.error.HullException;
import dev.hull.logging.Log;
import dev.hull.net.TapMirror;
import dev.hull.oci.Bundle;
import dev.hull.oci.BundleException;
import dev.hull.shim.HookRunner;
import dev.hull.shim.OwnerLock;
import dev.hull.shim.RunDir;
import dev.hull.shim.ShimClient;
import dev.hull.shim.ShimRequest;
import dev.hull.state.ContainerState;
import dev.hull.state.StateStore;
import dev.hull.sys.ExitCodes;
import dev.hull.sys.Host;
import dev.hull.sys.HostCgroup;
import dev.hull.time.Deadline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The host itself, as {@link Teardown} asks it. */
final class LiveHost implements HostOps {
    static final LiveHost INSTANCE = new LiveHost();
    private static final Duration POLL = Duration.ofMillis(5);

    private LiveHost() {
    }

    @Override
    public boolean shimAlive(ContainerState st) {
        return st.shimAlive();
    }

    @Override
    public void shimKillAll(Path socket) throws IOException, HullException {
        ShimClient.call(socket, new ShimRequest.Kill(ExitCodes.SIGKILL, true));
    }

    @Override
    public boolean awaitShimGone(ContainerState st, Duration max) {
        // Polled, not onExit(): a shim that has ended is a zombie until its parent reaps it.
        return Deadline.within(max, POLL, () -> !st.shimAlive());
    }

    @Override
    public void destroy(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    @Override
    public boolean awaitOwnerGone(Path runDir, Duration max) {
        return OwnerLock.awaitGone(runDir, max);
    }

    @Override
    public Optional<String> commandLine(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().arguments()).map(a -> String.join(" ", a));
    }

    @Override
    public Set<Long> cgroupProcesses(Path file) throws IOException {
        Set<Long> pids = new LinkedHashSet<>();
        if (Files.exists(file)) {
            // An attached run's own process is in its container's cgroup.
            HostCgroup.fromLines(Files.readString(file)).processes().stream()
                    .filter(pid -> pid != ProcessHandle.current().pid())
                    .filter(pid -> ProcessHandle.of(pid).isPresent())
                    .forEach(pids::add);
        }
        return pids;
    }

    @Override
    public List<Long> processesNaming(List<String> marks) {
        return Host.naming(marks).stream().map(ProcessHandle::pid).toList();
    }

    @Override
    public List<Long> end(Collection<Long> pids) {
        List<ProcessHandle> handles = pids.stream().flatMap(pid -> ProcessHandle.of(pid).stream()).toList();
        return Host.end(handles).stream().map(ProcessHandle::pid).toList();
    }

    @Override
    public Path runDirOf(Path stateDir) {
        return RunDir.path(stateDir, Host.isRoot());
    }

    @Override
    public void removeTaps(Path runDir) {
        TapMirror.removeRecorded(runDir);
    }

    @Override
    public void deleteTree(Path dir) throws IOException {
        StateStore.deleteTree(dir);
    }

    @Override
    public List<Path> removeCgroup(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        return HostCgroup.fromLines(Files.readString(file)).remove();
    }

    @Override
    public void poststop(ContainerState st) {
        try {
            var hooks = Bundle.load(Path.of(st.bundle())).spec().hooks();
            HookRunner.HERE.runQuietly("poststop", hooks.poststop(), st, "stopped");
        } catch (BundleException e) {
            Log.debug("no poststop hooks: " + e.getMessage());
        }
    }
}
