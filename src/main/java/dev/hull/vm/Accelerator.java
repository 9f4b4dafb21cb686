package dev.hull.vm;

import dev.hull.logging.Log;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Chooses between KVM and TCG. {@code auto} takes KVM only when a guest has been seen to boot under it
 * on this host: on nested hosts /dev/kvm can exist and still hang every guest, so the answer comes from a
 * probe boot with a deadline, cached per host kernel, qemu and guest kernel.
 */
public final class Accelerator {
    public static final Duration PROBE_DEADLINE = Duration.ofSeconds(5);
    private static final Path KVM = Path.of("/dev/kvm");

    private Accelerator() {
    }

    /** What the probe found: the accelerator to use and why. */
    public record Probe(String accel, String reason, boolean cached) {
    }

    public static Path cacheDir() {
        String env = System.getenv("HULL_CACHE");
        if (env != null && !env.isEmpty()) {
            return Path.of(env);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        return (xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("hull");
    }

    /** The accelerator qemu should get for {@code config}; never {@code auto}. */
    public static String choose(VmConfig config) {
        if (!config.accel().equals("auto")) {
            return config.accel();
        }
        return probe(config, false).accel();
    }

    /** Looks up (or, when {@code fresh} or not cached, runs) the KVM probe for this host. */
    public static Probe probe(VmConfig config, boolean fresh) {
        if (!Files.isReadable(KVM) || !Files.isWritable(KVM)) {
            return new Probe("tcg", KVM + " is missing or not accessible", false);
        }
        Path cache = cacheDir().resolve("accel-" + key(config));
        if (!fresh) {
            try {
                List<String> lines = Files.readAllLines(cache);
                if (lines.size() >= 2) {
                    return new Probe(lines.get(0), lines.get(1), true);
                }
            } catch (IOException e) {
                // Not probed yet.
            }
        }
        Probe result = bootUnderKvm(config);
        try {
            Files.createDirectories(cache.getParent());
            Path tmp = cache.resolveSibling(cache.getFileName() + ".tmp" + ProcessHandle.current().pid());
            Files.writeString(tmp, result.accel() + "\n" + result.reason() + "\n");
            Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Log.warn("cannot cache the KVM probe result in " + cache + ": " + e.getMessage());
        }
        return result;
    }

    private static Probe bootUnderKvm(VmConfig config) {
        try {
            ProbeBoot.Booted booted = ProbeBoot.boot(config.with(config.kernelParams(), 1, "kvm"), PROBE_DEADLINE);
            return new Probe("kvm", "a guest booted under KVM in " + booted.millis() + " ms", false);
        } catch (TimeoutException e) {
            return new Probe("tcg", "a guest did not boot under KVM within " + PROBE_DEADLINE.toSeconds()
                    + " s (KVM present but unusable, e.g. a nested host)", false);
        } catch (IOException e) {
            return new Probe("tcg", "qemu could not start a KVM guest: " + e.getMessage(), false);
        }
    }

    private static String key(VmConfig c) {
        StringBuilder sb = new StringBuilder();
        for (Path p : List.of(c.qemu(), c.kernel(), c.initrd())) {
            sb.append(p).append(':');
            try {
                sb.append(Files.size(p)).append(':').append(Files.getLastModifiedTime(p).toMillis());
            } catch (IOException e) {
                sb.append('?');
            }
            sb.append('\n');
        }
        try {
            sb.append(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip());
        } catch (IOException e) {
            sb.append('?');
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(sb.toString().getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
