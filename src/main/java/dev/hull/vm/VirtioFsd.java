package dev.hull.vm;

import dev.hull.sys.Host;
import dev.hull.time.Deadline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One virtiofsd serving a folder to one qemu over a vhost-user socket. It is started before qemu, which
 * connects to the socket as a client, and it ends by itself when that qemu lets go of it.
 */
public final class VirtioFsd implements AutoCloseable {
    /** Debian's (package qemu-system-common). */
    public static final Path BINARY = Path.of("/usr/lib/qemu/virtiofsd");
    private static final Duration POLL = Duration.ofMillis(2);
    /**
     * virtiofsd does each request as the guest's fsuid (setresuid), and the kernel empties its effective
     * capabilities whenever that is not 0. A container whose root is host uid 200000 (a user namespace in
     * the guest) then cannot do what runc's can: the guest kernel grants its root CAP_DAC_OVERRIDE over the
     * files its namespace maps, and virtiofsd, acting as 200000 without it, refuses a mkdir in a 0555
     * folder of its own. With no_setuid_fixup virtiofsd keeps its capabilities whatever uid it acts as;
     * the guest kernel (virtio-fs mounts with default_permissions) still makes every permission check
     * runc's kernel makes. A hostile guest gains nothing: the uid in a FUSE request is the guest's to set,
     * so it could always ask as uid 0.
     */
    static final List<String> KEEP_CAPABILITIES = List.of("setpriv", "--securebits", "+no_setuid_fixup", "--");

    private final Process process;

    private VirtioFsd(Process process) {
        this.process = process;
    }

    /** virtiofsd could not be started or did not serve its socket: nothing of it is left running. */
    public static final class Unavailable extends IOException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }

        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Whether {@code binary} can run here: its sandbox (mount, pid and net namespaces) needs root. */
    public static boolean usable(Path binary) {
        return Host.isRoot() && Files.isExecutable(binary);
    }

    /**
     * Starts it and returns once its socket exists; within {@code deadline}, else it is killed and this fails.
     * {@code readonly}: virtiofsd has no read-only mode, so it runs in a mount namespace of its own in which
     * {@code dir} is a read-only bind of itself (its sandbox's bind of the source keeps the flag); the guest
     * gets EROFS from the host for every write, whatever it mounts. The namespace ends with virtiofsd.
     * {@code userNamespace}: the guest's containers run in user namespaces whose ids map to other host ids
     * ({@code --uidmap 0:200000:65536}); see {@link #KEEP_CAPABILITIES}.
     */
    public static VirtioFsd start(Path binary, Path dir, boolean readonly, boolean userNamespace, Path socket,
            Path log, Duration deadline) throws IOException {
        Files.deleteIfExists(socket);
        // virtiofsd will not follow a symbolic link to its source (bundles' rootfs may be one).
        Path source = dir.toRealPath();
        // cache=always keeps file data across opens (with cache=auto each open dropped the file's pages:
        // 200 execs of busybox 13.5 s against 1.0 s); timeout=1 has names and attributes checked with the
        // host after a second instead of a day, so what a manager writes into a running container's root
        // (docker cp, a changed /etc file) reaches the guest within a second, at no cost bench/share sees.
        // xattr: the image's file capabilities (Debian's ping) work for a non-root user, as with runc,
        // for a FUSE round trip per lookup (bench/share: find 180 -> 540 ms, 9p ~1600 ms).
        List<String> argv = new ArrayList<>();
        if (userNamespace) {
            argv.addAll(KEEP_CAPABILITIES);
        }
        if (readonly) {
            argv.addAll(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                    "mount --bind -- \"$1\" \"$1\" && mount -o remount,bind,ro -- \"$1\" && shift && exec \"$@\"",
                    "hull-readonly-root", source.toString()));
        }
        argv.addAll(List.of(binary.toString(), "--socket-path=" + socket,
                "-o", "source=" + fuseEscaped(source.toString()), "-o", "cache=always", "-o", "timeout=1",
                "-o", "xattr", "-o", "log_level=warn"));
        Process p;
        try {
            p = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
        } catch (IOException e) {
            throw new Unavailable("cannot start " + binary + ": " + e.getMessage(), e);
        }
        VirtioFsd daemon = new VirtioFsd(p);
        try {
            boolean listening = Deadline.within(deadline, POLL, () -> {
                if (!Files.exists(socket) && !p.isAlive()) {
                    throw new Unavailable("virtiofsd for " + dir + " exited with status " + p.exitValue()
                            + ": " + lastLine(log) + " (log: " + log + "); where it cannot run, set the vm"
                            + " configuration's \"share\" to \"9p\"");
                }
                return Files.exists(socket);
            });
            if (Thread.currentThread().isInterrupted()) {
                throw new IOException("interrupted while starting virtiofsd");
            }
            if (!listening) {
                throw new Unavailable("virtiofsd did not open " + socket + " within " + deadline);
            }
        } catch (IOException | RuntimeException e) {
            daemon.close();
            throw e;
        }
        return daemon;
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return lines.isEmpty() ? "(no output)" : lines.getLast();
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Its -o options are split at commas; a backslash keeps one in a path. */
    static String fuseEscaped(String s) {
        return s.replace("\\", "\\\\").replace(",", "\\,");
    }

    public long pid() {
        return process.pid();
    }

    /** Runs {@code action} when virtiofsd has ended, whatever ended it. */
    void onExit(Runnable action) {
        process.onExit().thenRun(action);
    }

    /** Ends it (if qemu has not already made it end) and waits until it is gone. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
