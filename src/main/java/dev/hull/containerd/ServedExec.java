package dev.hull.containerd;

import dev.hull.oci.Process;
import java.util.concurrent.CompletableFuture;

/**
 * A process containerd added to a task (Exec) and then starts (Start with its exec id): the guest's pid
 * once started, and its end.
 */
final class ServedExec {
    final String id;
    final Process process;
    final TaskIo io;
    final String stdin;
    final String stdout;
    final String stderr;
    final boolean terminal;
    final CompletableFuture<Exit> exit = new CompletableFuture<>();
    volatile int pid;
    volatile boolean started;

    ServedExec(String id, Process process, TaskIo io, String stdin, String stdout, String stderr, boolean terminal) {
        this.id = id;
        this.process = process;
        this.io = io;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.terminal = terminal;
    }
}
