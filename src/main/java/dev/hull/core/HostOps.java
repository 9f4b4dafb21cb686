package dev.hull.core;

import dev.hull.error.HullException;
import dev.hull.state.ContainerState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a container's teardown does to the host, so that {@link Teardown}'s order and its choices (scan or
 * not, wait or kill) can be checked against a recording fake; {@link #live()} is the one real one. Processes
 * are pids: a pid may be reused between two calls, and every caller reads it back just before use.
 */
public interface HostOps {
    static HostOps live() {
        return LiveHost.INSTANCE;
    }

    /** The shim recorded in {@code st} still runs (same pid and start time). */
    boolean shimAlive(ContainerState st);

    /** Asks the shim behind {@code socket} to SIGKILL every process of its container. */
    void shimKillAll(Path socket) throws IOException, HullException;

    /** Waits up to {@code max} for the shim recorded in {@code st} to end; false when it still runs. */
    boolean awaitShimGone(ContainerState st, Duration max);

    /** SIGKILL without waiting: a shim that ended stays a zombie until its own parent reaps it. */
    void destroy(long pid);

    /** Waits up to {@code max} until no process holds the VM owner's lock in {@code runDir}. */
    boolean awaitOwnerGone(Path runDir, Duration max);

    /** The process's command line, its arguments joined by spaces; empty when it is gone or unreadable. */
    Optional<String> commandLine(long pid);

    /** The processes of the host cgroup recorded in {@code file}, this one left out; none without the file. */
    Set<Long> cgroupProcesses(Path file) throws IOException;

    /** Every other process whose command line has an argument containing one of {@code marks}. */
    List<Long> processesNaming(List<String> marks);

    /** SIGKILLs them and waits for each (5 s at most); returns those that did not end. */
    List<Long> end(Collection<Long> pids);

    /** Where the run folder of a state folder is (nothing made). */
    Path runDirOf(Path stateDir);

    /** Taps and filters a shim recorded in {@code runDir} and did not remove itself. */
    void removeTaps(Path runDir);

    void deleteTree(Path dir) throws IOException;

    /** Removes the host cgroup recorded in {@code file}; returns the folders left (in use). None without it. */
    List<Path> removeCgroup(Path file) throws IOException;

    /** The bundle's poststop hooks, their failures only logged (runc runs them in delete). */
    void poststop(ContainerState st);
}
