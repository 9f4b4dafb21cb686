package dev.hull.core;

import dev.hull.error.HullException;
import dev.hull.state.ContainerState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A host that does nothing and writes down each thing asked of it, in order, with paths under {@code base}
 * written relative to it. What it answers is set by the test beforehand.
 */
public final class RecordingHost implements HostOps {
    public final List<String> steps = new ArrayList<>();
    private final Path base;

    boolean shimAlive;
    /** Whether a shim asked to kill stops within the deadline. */
    boolean shimStops = true;
    boolean shimRefuses;
    boolean ownerEnds = true;
    final Map<Long, String> commandLines = new HashMap<>();
    final Set<Long> inCgroup = new LinkedHashSet<>();
    final List<Long> naming = new ArrayList<>();
    final Set<Long> stuck = new HashSet<>();
    final List<Path> cgroupLeft = new ArrayList<>();
    Path runDir;

    public RecordingHost(Path base) {
        this.base = base;
    }

    private String show(Path p) {
        return p.startsWith(base) ? base.relativize(p).toString() : p.toString();
    }

    @Override
    public boolean shimAlive(ContainerState st) {
        return shimAlive;
    }

    @Override
    public void shimKillAll(Path socket) throws IOException, HullException {
        steps.add("shim kill " + show(socket));
        if (shimRefuses) {
            throw new IOException("connection refused");
        }
    }

    @Override
    public boolean awaitShimGone(ContainerState st, Duration max) {
        steps.add("await shim " + st.pid());
        shimAlive = !shimStops;
        return shimStops;
    }

    @Override
    public void destroy(long pid) {
        steps.add("destroy " + pid);
    }

    @Override
    public boolean awaitOwnerGone(Path runDir, Duration max) {
        steps.add("await owner " + show(runDir));
        return ownerEnds;
    }

    @Override
    public Optional<String> commandLine(long pid) {
        steps.add("command line " + pid);
        return Optional.ofNullable(commandLines.get(pid));
    }

    @Override
    public Set<Long> cgroupProcesses(Path file) {
        steps.add("cgroup processes " + show(file));
        return inCgroup;
    }

    @Override
    public List<Long> processesNaming(List<String> marks) {
        steps.add("scan " + marks.stream().map(m -> show(Path.of(m)) + "/").toList());
        return naming;
    }

    @Override
    public List<Long> end(Collection<Long> pids) {
        steps.add("end " + pids);
        return pids.stream().filter(stuck::contains).toList();
    }

    @Override
    public Path runDirOf(Path stateDir) {
        return runDir;
    }

    @Override
    public void removeTaps(Path runDir) {
        steps.add("remove taps " + show(runDir));
    }

    @Override
    public void deleteTree(Path dir) {
        steps.add("delete " + show(dir));
    }

    @Override
    public List<Path> removeCgroup(Path file) {
        steps.add("remove cgroup " + show(file));
        return cgroupLeft;
    }

    @Override
    public void poststop(ContainerState st) {
        steps.add("poststop " + st.id());
    }
}
