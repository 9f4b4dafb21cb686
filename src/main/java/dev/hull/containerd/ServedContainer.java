package dev.hull.containerd;

import dev.hull.shim.ContainerControl;
import dev.hull.shim.Shim;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A container this shim serves: the container in the guest, its stdio fifos, its host pid (the anchor), its
 * execs; {@code exit} completes when its workload has ended and its output is out, {@code gone} once what
 * it held is let go (its VM powered off; a member's place in the pod's VM given back).
 */
final class ServedContainer {
    final String id;
    final Path bundle;
    final Path rootfs;
    final boolean rootfsMounted;
    final ContainerControl container;
    /** The VM owner when this container booted the pod's VM; null for a member. */
    final Shim shim;
    final TaskIo io;
    final long pid;
    final String stdin;
    final String stdout;
    final String stderr;
    final boolean terminal;
    final CompletableFuture<Exit> exit = new CompletableFuture<>();
    final CompletableFuture<Void> gone = new CompletableFuture<>();
    final Map<String, ServedExec> execs = new ConcurrentHashMap<>();
    /** The guest cgroup's OOM kills said to containerd so far. */
    final AtomicLong oomKills = new AtomicLong();

    ServedContainer(String id, Path bundle, Path rootfs, boolean rootfsMounted, ContainerControl container, Shim shim,
            TaskIo io, long pid, String stdin, String stdout, String stderr, boolean terminal) {
        this.id = id;
        this.bundle = bundle;
        this.rootfs = rootfs;
        this.rootfsMounted = rootfsMounted;
        this.container = container;
        this.shim = shim;
        this.io = io;
        this.pid = pid;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.terminal = terminal;
    }
}
