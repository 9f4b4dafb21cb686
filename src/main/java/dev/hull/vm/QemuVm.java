package dev.hull.vm;

import dev.hull.agent.AgentClient;
import dev.hull.agent.ProtocolException;
import dev.hull.error.BadInputException;
import dev.hull.logging.Log;
import dev.hull.qmp.QmpClient;
import dev.hull.time.Deadline;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One qemu process and the sockets it serves. Every wait on it has a deadline: a guest that hangs (as
 * under KVM on nested hosts) or a qemu that dies at boot is reported, never waited on forever.
 */
public final class QemuVm implements AutoCloseable {
    private static final Duration DAEMON_DEADLINE = Duration.ofSeconds(10);
    /** How long qemu may take to exit after its virtiofsd did, before the VM counts as cut off from its root. */
    private static final Duration VIRTIOFSD_LAG = Duration.ofSeconds(1);
    /** One try at the agent's socket while qemu starts. */
    private static final Duration CONNECT_TRY = Duration.ofMillis(50);
    private final Process process;
    private final Path agentSocket;
    private final Path qmpSocket;
    private final Path consoleLog;
    private final VirtioFsd virtioFsd;
    /** The template this VM is a clone of; null when it booted. */
    private volatile String template;

    private QemuVm(Process process, Path agentSocket, Path qmpSocket, Path consoleLog,
            VirtioFsd virtioFsd) {
        this.process = process;
        this.virtioFsd = virtioFsd;
        this.agentSocket = agentSocket;
        this.qmpSocket = qmpSocket;
        this.consoleLog = consoleLog;
    }

    /**
     * What one VM is launched with besides its configuration and template: {@code name} names it (qemu's
     * {@code -name}, its UUID); sockets and the console log go in {@code runDir}; {@code workloadDir} is the
     * folder shared with the guest as its container root, read-only at the host end with
     * {@code readonlyRoot} (virtiofsd serves a read-only bind of it, 9p's fsdev is read-only through
     * {@code @WORKLOAD_READONLY@}), so the guest cannot undo it; {@code userNamespace}: its containers map
     * their ids to other host ids, which virtiofsd must serve as runc's kernel would; {@code kernelParams}
     * are added to the configuration's; {@code shares} are more host folders over 9p (volumes) and
     * {@code nics} NICs on taps, after the template's arguments; {@code prefix} is what qemu is started
     * through (nsenter, when the taps are in a network namespace this process is not in).
     */
    public record Launch(String name, Path runDir, Path workloadDir, boolean readonlyRoot, boolean userNamespace,
            List<String> kernelParams, List<Share> shares, List<Nic> nics, List<String> prefix) {
        /** A VM with nothing more than its root. */
        public static Launch of(String name, Path runDir, Path workloadDir) {
            return new Launch(name, runDir, workloadDir, false, false, List.of(), List.of(), List.of(), List.of());
        }
    }

    /**
     * Starts qemu with {@code args} expanded for this VM ({@link Launch}). A template that names
     * {@code @VIRTIOFS_SOCKET@} shares the root over virtio-fs: virtiofsd is started for it first, and the
     * guest told which it is.
     */
    public static QemuVm launch(VmConfig config, HypervisorArgs args, Launch how)
            throws IOException, BadInputException {
        return spawn(config, args, how, kernelParams(config, args.uses("VIRTIOFS_SOCKET"), how.kernelParams()),
                Map.of(), List.of());
    }

    /**
     * What the guest's kernel command line holds: the configuration's, the clock's, which share the root
     * comes over, then the launch's own.
     */
    static List<String> kernelParams(VmConfig config, boolean virtioFs, List<String> launchParams) {
        List<String> params = new ArrayList<>(config.kernelParams());
        params.addAll(GuestClock.kernelParams(config.accel(), config.kernelParams()));
        params.add(virtioFs ? "hull.share=virtiofs:rootfs" : "hull.share=9p:rootfs");
        params.addAll(launchParams);
        return params;
    }

    /**
     * Starts qemu: {@code args} expanded with {@code moreTags} besides the launch's, then the launch's shares
     * and NICs, then {@code moreArgs}.
     */
    static QemuVm spawn(VmConfig config, HypervisorArgs args, Launch how, List<String> params,
            Map<String, String> moreTags, List<String> moreArgs) throws IOException, BadInputException {
        String name = how.name();
        Path runDir = how.runDir();
        Path workloadDir = how.workloadDir();
        boolean readonlyRoot = how.readonlyRoot();
        Files.createDirectories(runDir);
        Path agent = runDir.resolve("agent.sock");
        Path qmp = runDir.resolve("qmp.sock");
        Path console = runDir.resolve("console.log");
        Path fsSocket = fsSocket(runDir);
        boolean virtioFs = args.uses("VIRTIOFS_SOCKET");
        Map<String, String> tags = new HashMap<>(Map.ofEntries(
                Map.entry("NAME", name),
                Map.entry("UUID", UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString()),
                Map.entry("ACCEL", config.accel()),
                Map.entry("MEMORY", config.memoryMiB() + "M"),
                Map.entry("CPUS", Integer.toString(config.cpus())),
                Map.entry("KERNEL", config.kernel().toString()),
                Map.entry("INITRD", config.initrd().toString()),
                Map.entry("KERNEL_PARAMS", String.join(" ", params)),
                Map.entry("CONSOLE_DEVICE", "file:" + console),
                Map.entry("CONSOLE_LOG", console.toString().replace(",", ",,")),
                Map.entry("COMMS_SOCKET", qmp.toString()),
                Map.entry("AGENT_SOCKET", agent.toString()),
                Map.entry("PROCESS_SOCKET", runDir.resolve("process.sock").toString()),
                Map.entry("VIRTIOFS_SOCKET", fsSocket.toString().replace(",", ",,")),
                Map.entry("WORKLOAD_DIR", workloadDir.toString().replace(",", ",,")),
                Map.entry("WORKLOAD_READONLY", readonlyRoot ? "on" : "off")));
        tags.putAll(moreTags);
        List<String> argv = new ArrayList<>(how.prefix());
        argv.add(config.qemu().toString());
        argv.addAll(args.expand(tags));
        how.shares().forEach(s -> argv.addAll(s.qemuArgs()));
        how.nics().forEach(n -> argv.addAll(n.qemuArgs()));
        argv.addAll(moreArgs);
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(runDir.resolve("qemu.log").toFile()))
                .redirectErrorStream(true);
        VirtioFsd fsd = null;
        try {
            if (virtioFs) {
                fsd = VirtioFsd.start(config.virtiofsd(), workloadDir, readonlyRoot, how.userNamespace(), fsSocket,
                        runDir.resolve("virtiofsd.log"), DAEMON_DEADLINE);
            }
            QemuVm vm = new QemuVm(pb.start(), agent, qmp, console, fsd);
            ConsoleLog.bound(console, vm.process, name);
            if (fsd != null) {
                // The container's root is gone with virtiofsd: every file access in the guest would hang
                // (exec waited 30 s, delete --force 52 s). The VM ends at once instead, and the container
                // with it, recorded as killed.
                // A guest that powers off ends qemu, and virtiofsd with it: qemu may still be on its way out.
                fsd.onExit(() -> {
                    if (!vm.exitsWithin(VIRTIOFSD_LAG)) {
                        Log.error("virtiofsd of " + name + " ended while its VM ran; ending the VM");
                        vm.process.destroyForcibly();
                    }
                });
            }
            return vm;
        } catch (IOException | RuntimeException e) {
            if (fsd != null) {
                fsd.close();
            }
            throw e;
        }
    }

    /** {@link #awaitExit} for a caller that cannot be interrupted (an exit callback). */
    private boolean exitsWithin(Duration deadline) {
        try {
            return awaitExit(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !isAlive();
        }
    }

    /**
     * Starts qemu as a clone of {@code template}: the launch's devices on the template's RAM, mapped
     * privately, and its device state restored; running when this returns, its guest where the template's
     * was. The launch must have the template's shape (its shares and NICs), its root over 9p.
     */
    public static QemuVm restore(Template template, VmConfig config, Launch how, Duration deadline)
            throws IOException, BadInputException, TimeoutException {
        Deadline end = Deadline.after(deadline);
        QemuVm vm = spawn(config, HypervisorArgs.builtInClone(), how, template.shape().kernelParams(),
                template.memoryTags(false),
                List.of("-incoming", "defer"));
        try {
            QmpClient qmp = end.poll(Duration.ofMillis(2), () -> {
                vm.checkAlive();
                return Files.exists(vm.qmpSocket) ? QmpClient.connect(vm.qmpSocket) : null;
            }).orElseThrow(() -> new TimeoutException("qemu did not open its QMP socket within " + deadline));
            try (qmp) {
                try {
                    Migration.load(qmp, how.runDir().resolve("incoming.sock"), template.state(), end.left());
                } catch (IOException e) {
                    // qemu ends when it cannot load the state ("load of migration failed"); a slow host
                    // that timed out is no reason to drop the template.
                    vm.awaitExit(Duration.ofSeconds(2));
                    // Not a template removed meanwhile ("can't open backing store"): only one qemu refused.
                    String qemuLog = lastLines(how.runDir().resolve("qemu.log"));
                    if (qemuLog.contains("load of migration failed")
                            || e.getMessage().contains("restored the template into state")) {
                        throw new Template.Broken(e.getMessage() + " (qemu: " + qemuLog + ")", e);
                    }
                    throw e;
                }
                qmp.execute("cont");
            }
            vm.template = template.dir().getFileName().toString();
            return vm;
        } catch (IOException | TimeoutException | RuntimeException e) {
            vm.close();
            throw e;
        } catch (InterruptedException e) {
            vm.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while restoring " + how.name(), e);
        }
    }

    /** Where the virtiofsd of the VM whose sockets are in {@code runDir} listens. */
    public static Path fsSocket(Path runDir) {
        return runDir.resolve("fs.sock");
    }

    /** The template (its folder's name) this VM is a clone of; null when it booted. */
    public String template() {
        return template;
    }

    /** How the guest gets the container's root: {@code virtiofs} or {@code 9p}. */
    public String rootShare() {
        return virtioFsd != null ? "virtiofs" : "9p";
    }

    public long pid() {
        return process.pid();
    }

    public Path qmpSocket() {
        return qmpSocket;
    }

    public Path consoleLog() {
        return consoleLog;
    }

    /** Connects to the agent's port and completes the hello exchange, all within {@code deadline}. */
    public AgentClient connectAgent(Duration deadline) throws IOException, TimeoutException {
        Deadline end = Deadline.after(deadline);
        // No pause between tries: each connect waits up to CONNECT_TRY itself.
        AgentClient client = end.poll(Duration.ZERO, () -> {
            checkAlive();
            try {
                return AgentClient.connect(agentSocket, min(CONNECT_TRY, end.left().plusMillis(1)));
            } catch (TimeoutException e) {
                return null; // qemu is still starting; check it is alive and try again.
            }
        }).orElseThrow(() -> new TimeoutException("qemu did not open the agent socket within " + deadline));
        try {
            client.hello(end.left().plusNanos(1));
            return client;
        } catch (IOException | TimeoutException | RuntimeException e) {
            client.close();
            checkAlive();
            // A guest that answers with what is no frame of the protocol is not slow: say so at once.
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ProtocolException) {
                    throw new IOException("the guest broke the agent protocol at hello: " + t.getMessage()
                            + " (console: " + consoleLog + ")", e);
                }
            }
            throw new TimeoutException("the guest agent did not say hello within " + deadline + " (console: "
                    + consoleLog + ")");
        }
    }

    private void checkAlive() throws IOException {
        if (!process.isAlive()) {
            throw new IOException("qemu exited with status " + process.exitValue() + " while booting: "
                    + lastLines(consoleLog.resolveSibling("qemu.log")));
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String lastLines(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no qemu log)";
        }
    }

    /** Waits for qemu to exit by itself; true when it did within the deadline. */
    public boolean awaitExit(Duration deadline) throws InterruptedException {
        return process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Kills qemu if it still runs and waits until it is gone, and its virtiofsd with it. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (virtioFsd != null) {
            virtioFsd.close();
        }
    }
}
