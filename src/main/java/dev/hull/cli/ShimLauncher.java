package dev.hull.cli;

import dev.hull.core.HullJvm;
import dev.hull.error.HullException;
import dev.hull.io.Children;
import dev.hull.io.SocketLines;
import dev.hull.shim.Anchor;
import dev.hull.shim.HostTerminal;
import dev.hull.shim.MemberRequest;
import dev.hull.shim.NotifySocket;
import dev.hull.time.Deadline;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@code hull shim} as a process of its own that inherits the container's stdio, and waits until it
 * reports over a notify socket that the VM is up and the workload prepared, or why not.
 */
public final class ShimLauncher {
    /** Beyond the boot deadline: room for the KVM probe and the shim's JVM start-up. */
    private static final Duration SLACK = Duration.ofSeconds(60);
    /** How long a shim or relay waits to be handed to the manager before it exits anyway. */
    private static final Duration ADOPTION = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(5);

    private ShimLauncher() {
    }

    /** This JVM again, with the shim's flags and the CLI's AOT cache: for exec relays. */
    static List<String> javaCommand() {
        return HullJvm.javaCommand(System.getProperty("hull.aot"), Main.class);
    }

    /**
     * The shim's JVM: its own AOT cache where bin/hull found a fresh one. The JVM loads and links every class
     * of its cache at start and writes each one's metadata, a private copy per process: the CLI's cache
     * (an attached run, every verb's command line) left ~0.4 MiB more of it in every idle shim than one
     * trained on a shim alone (scripts/aot-train.sh).
     */
    private static List<String> shimCommand() {
        return HullJvm.shimJava(Main.class);
    }

    /**
     * Returns the running shim once it said the container is created; throws with its reason otherwise.
     * {@code netnsPrefix}: what puts the shim in the container's network namespace (see NetNamespace).
     */
    static ProcessHandle launch(Main global, Path runDir, Path bundle, String id, Duration bootTimeout,
            HostTerminal.Source terminal, List<String> netnsPrefix) throws IOException, HullException {
        Path notify = runDir.resolve("notify.sock");
        Files.deleteIfExists(notify);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(notify));
            List<String> cmd = new ArrayList<>(netnsPrefix);
            cmd.addAll(shimCommand());
            cmd.addAll(global.globalArgs());
            cmd.addAll(List.of("shim", "--bundle", bundle.toString(), "--notify", notify.toString()));
            if (!netnsPrefix.isEmpty()) {
                cmd.add("--in-netns");
            }
            if (terminal.consoleSocket() != null) {
                cmd.addAll(List.of("--console-socket", terminal.consoleSocket().toAbsolutePath().toString()));
            }
            if (terminal.console() != null) {
                cmd.addAll(List.of("--console", terminal.console().toAbsolutePath().toString()));
            }
            cmd.add(id);
            Process shim = Children.withStdio(new ProcessBuilder(cmd),
                    terminal.consoleSocket() == null && terminal.console() == null).start();
            try (SocketChannel ch = Children.await(server, shim, "shim", bootTimeout.plus(SLACK), false)) {
                HullException failure = failure(ch, "the shim failed without saying why");
                if (failure == null) {
                    return shim.toHandle();
                }
                Children.kill(shim);
                throw failure;
            }
        } finally {
            Files.deleteIfExists(notify);
        }
    }

    /**
     * Starts a pod member's host process (hull-member, {@code netnsPrefix} putting it in the namespaces
     * config.json names) with the container's stdio; it asks the VM owner at {@code podSocket} for the member,
     * and the owner reports on notify.sock. Returns it once the member is created; throws with the reason.
     * {@code anchorArgs}: what makes it the member's anchor ({@link Anchor#args}); then the process started
     * here only forks the anchor and exits, and the anchor's pid is the one the VM owner records.
     */
    static Process launchMember(Path podSocket, MemberRequest request, HostTerminal.Source terminal,
            List<String> netnsPrefix, List<String> anchorArgs) throws IOException, HullException {
        Path stub = Anchor.binary();
        Path notify = request.notifySocket();
        Files.deleteIfExists(notify);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(notify));
            List<String> cmd = new ArrayList<>(netnsPrefix);
            cmd.addAll(List.of(stub.toString(), podSocket.toString(), request.memberJson()));
            cmd.addAll(anchorArgs);
            Process member = Children.withStdio(new ProcessBuilder(cmd), terminal.consoleSocket() == null
                    && terminal.console() == null).start();
            try (SocketChannel ch = Children.await(server, member, "member's host process", SLACK,
                    !anchorArgs.isEmpty())) {
                HullException failure = failure(ch, "the pod's VM failed to take the member without saying why");
                if (failure == null) {
                    return member;
                }
                Children.kill(member);
                throw failure;
            }
        } finally {
            Files.deleteIfExists(notify);
        }
    }

    /** What the child said on notify.sock: null for {@code ok}, else what failed ({@link NotifySocket}). */
    static HullException failure(SocketChannel ch, String silent) throws IOException {
        return NotifySocket.failure(new SocketLines(ch).read(), silent);
    }

    /**
     * Called by a shim or exec relay before it exits. The CLI that started it reaps its children (the JVM
     * does), so if this process ended while that CLI still ran, the CLI would take its exit status and
     * the manager (conmon, containerd's shim: subreapers waiting for the pid in --pid-file) would never
     * see it. So wait until the CLI is gone and this process has been handed to the manager.
     */
    static void awaitAdoption(long launcherPid) {
        Deadline.within(ADOPTION, POLL,
                () -> ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) != launcherPid);
    }
}
