package dev.hull.vm;

import dev.hull.logging.Log;
import dev.hull.sys.KernelLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the guest keeps time (docs/architecture.md, "The guest's clock"). Under KVM the guest finds
 * kvm-clock and a TSC-deadline APIC timer by itself. Under TCG it can calibrate neither the TSC (no
 * HPET or ACPI PM timer to measure it against) nor, without a long wait, the APIC timer; so the host
 * tells it both: the TSC runs at the host's rate (TCG reads the host's TSC), and qemu's APIC timer
 * counts nanoseconds. With both known the guest uses the TSC as its clocksource and the APIC timer in
 * one-shot mode: 1 ns timers and no tick while idle.
 */
public final class GuestClock {
    /** qemu's local APIC timer counts at 1 GHz (its emulated APIC works in nanoseconds). */
    static final long QEMU_APIC_KHZ = 1_000_000;
    private static final Pattern KMSG = Pattern.compile(
            "tsc: (Refined TSC clocksource calibration:|Detected) (\\d+)\\.(\\d{3}) MHz( TSC| processor)?");
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    private GuestClock() {
    }

    /**
     * What the kernel command line gets for {@code accel}, unless {@code given} (the configured parameters)
     * already sets it: under TCG the TSC's and the APIC timer's frequencies, when the host's TSC is known
     * and constant.
     */
    public static List<String> kernelParams(String accel, List<String> given) {
        List<String> params = new ArrayList<>();
        if (!accel.equals("tcg")) {
            return params;
        }
        OptionalLong tsc = hostTscKhz();
        if (tsc.isPresent() && !sets(given, "tsc_early_khz")) {
            params.add("tsc_early_khz=" + tsc.getAsLong());
        }
        if (!sets(given, "lapic_timer_khz") && !given.contains("nolapic_timer")) {
            params.add("lapic_timer_khz=" + QEMU_APIC_KHZ);
        }
        return params;
    }

    private static boolean sets(List<String> params, String key) {
        return params.stream().anyMatch(p -> p.startsWith(key + "="));
    }

    /**
     * The host's TSC frequency in kHz: from the host kernel's log (its refined calibration, else what it
     * detected), else /proc/cpuinfo; empty when the TSC is not constant or nothing says. Found once per
     * host boot and cached (reading the log costs a few milliseconds).
     */
    public static OptionalLong hostTscKhz() {
        String bootId = read(BOOT_ID).strip();
        Path cache = Accelerator.cacheDir().resolve("tsc-khz");
        String[] cached = read(cache).strip().split(" ");
        if (cached.length == 2 && cached[0].equals(bootId) && !bootId.isEmpty()) {
            return cached[1].equals("unknown") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(cached[1]));
        }
        OptionalLong found = detect(read(Path.of("/proc/cpuinfo")), KernelLog.messages(100_000));
        try {
            Files.createDirectories(cache.getParent());
            Path tmp = cache.resolveSibling("tsc-khz.tmp" + ProcessHandle.current().pid());
            Files.writeString(tmp, bootId + " " + (found.isPresent() ? found.getAsLong() : "unknown") + "\n");
            Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Log.debug("cannot cache the host's TSC frequency in " + cache + ": " + e.getMessage());
        }
        return found;
    }

    /**
     * The TSC frequency from the host's /proc/cpuinfo and kernel log. The log's last word wins: the refined
     * calibration, else "Detected N MHz TSC", else "Detected N MHz processor" (the kernel prints the TSC's
     * own line only when it differs). Without the log: cpuinfo's "cpu MHz" where it is the frequency the
     * kernel detected (no aperfmperf: otherwise it is the current, varying frequency), else bogomips / 2
     * (derived from the TSC's frequency, to 10 kHz).
     */
    static OptionalLong detect(String cpuinfo, List<String> kmsg) {
        String flags = field(cpuinfo, "flags");
        if (flags == null || !List.of(flags.split(" ")).contains("constant_tsc")) {
            return OptionalLong.empty();
        }
        long refined = 0;
        long tsc = 0;
        long processor = 0;
        for (String line : kmsg) {
            Matcher m = KMSG.matcher(line);
            if (m.find()) {
                long khz = Long.parseLong(m.group(2)) * 1000 + Long.parseLong(m.group(3));
                if (m.group(1).startsWith("Refined")) {
                    refined = khz;
                } else if (" TSC".equals(m.group(4))) {
                    tsc = khz;
                } else {
                    processor = khz;
                }
            }
        }
        long best = refined != 0 ? refined : tsc != 0 ? tsc : processor;
        if (best != 0) {
            return OptionalLong.of(best);
        }
        String mhz = field(cpuinfo, "cpu MHz");
        if (mhz != null && !List.of(flags.split(" ")).contains("aperfmperf")) {
            return khz(mhz, 1000);
        }
        return khz(field(cpuinfo, "bogomips"), 500);
    }

    private static OptionalLong khz(String number, int perUnit) {
        try {
            long khz = number == null ? 0 : Math.round(Double.parseDouble(number) * perUnit);
            return khz > 0 ? OptionalLong.of(khz) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The first CPU's value of a /proc/cpuinfo field, or null. */
    private static String field(String cpuinfo, String name) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(name)) {
                return line.substring(colon + 1).strip();
            }
        }
        return null;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
