package dev.hull.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullTest;
import dev.hull.testing.TestAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guest's clock as a workload sees it: the TSC (kvm-clock under KVM) with 1 ns timers, and a wall
 * clock that is the host's, at boot and after a pause. {@code clock} (tests/fixtures/clock.c) is the
 * workload's own view (clock_getres, clock_gettime), built static into a copy of the busybox root.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliClockIT extends HullTest {

    /** A bundle whose root is the busybox root plus /bin/clock. */
    private Path bundle(String name, String... args) throws Exception {
        Path rootfs = dir.resolve(name + "-rootfs");
        run("cp", "-a", TestAssets.busyboxRootfs().toString(), rootfs.toString());
        run("cc", "-static", "-O2", "-o", rootfs.resolve("bin/clock").toString(),
                TestAssets.projectDir().resolve("tests/fixtures/clock.c").toString());
        var config = Bundles.config(args);
        ((ObjectNode) config.get("root")).put("path", rootfs.toString());
        return Bundles.write(dir.resolve(name), config);
    }

    @org.junit.jupiter.api.AfterEach
    void removeRoots() throws Exception {
        // Our copies only: JUnit's clean-up would warn about every busybox link pointing outside the folder.
        try (var roots = Files.newDirectoryStream(dir, "*-rootfs")) {
            for (Path root : roots) {
                run("rm", "-rf", root.toString());
            }
        }
    }

    private static void run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", argv) + ": " + out).isZero();
    }

    private String exec(String id, String... args) throws Exception {
        return hull.run(concat(List.of("exec", id), args)).assertOk().stdout().strip();
    }

    private static String[] concat(List<String> head, String... tail) {
        return Stream.concat(head.stream(), Arrays.stream(tail)).toArray(String[]::new);
    }

    private static double seconds(Instant t) {
        return t.getEpochSecond() + t.getNano() / 1e9;
    }

    @Test
    void theGuestKeepsTimeOnTheTscWithNanosecondTimersAndNoTick() throws Exception {
        hull.run("run", "-d", "-b", bundle("tsc", "sleep", "1000").toString(), "tsc").assertOk();
        assertThat(exec("tsc", "cat", "/sys/devices/system/clocksource/clocksource0/current_clocksource"))
                .isIn("tsc", "kvm-clock");
        // The LAPIC timer (TSC-deadline under KVM) in one-shot mode, not the PIT's periodic tick.
        assertThat(exec("tsc", "cat", "/sys/devices/system/clockevents/clockevent0/current_device"))
                .startsWith("lapic");
        String timers = exec("tsc", "cat", "/proc/timer_list");
        assertThat(timers).contains(".resolution: 1 nsecs").doesNotContain(".resolution: 4000000 nsecs");
        assertThat(exec("tsc", "clock", "res")).as("clock_getres(CLOCK_MONOTONIC) in the workload").isEqualTo("1");
        // At boot the guest's wall clock is the host's (the CMOS clock alone is only right to the second).
        Instant before = Instant.now();
        double guest = Double.parseDouble(exec("tsc", "clock", "now"));
        Instant after = Instant.now();
        assertThat(guest).isBetween(seconds(before) - 0.5, seconds(after) + 0.5);
        hull.run("delete", "-f", "tsc").assertOk();
    }

    @Test
    void theWallClockIsTheHostsAgainAfterAPauseBeforeTheWorkloadRuns() throws Exception {
        Path out = dir.resolve("watch.out");
        Process p = hull.start(null, out, dir.resolve("watch.err"), "run", "-d", "-b",
                bundle("watch", "clock", "watch").toString(), "watch");
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("watch.err"))).isZero();
        waitFor(Duration.ofSeconds(30), () -> Files.readAllLines(out).size() > 2);
        hull.run("pause", "watch").assertOk();
        Thread.sleep(500);
        int frozen = Files.readAllLines(out).size();
        Thread.sleep(8000);
        Instant resuming = Instant.now();
        hull.run("resume", "watch").assertOk();
        waitFor(Duration.ofSeconds(30), () -> Files.readAllLines(out).size() > frozen + 2);
        List<String> lines = Files.readAllLines(out);
        // The times the workload read after the pause are the host's: the clock was set before the container
        // was thawed. Without it they would be ~8.5 s behind. (The first line after the pause may hold a time
        // read just before the freeze, so the second is the one checked.)
        double first = Double.parseDouble(lines.get(frozen + 1));
        assertThat(first).as("time read after resume, host resumed at " + resuming)
                .isGreaterThan(seconds(resuming) - 1.0).isLessThan(seconds(Instant.now()) + 1.0);
        Instant before = Instant.now();
        double guest = Double.parseDouble(exec("watch", "clock", "now"));
        Instant after = Instant.now();
        assertThat(guest).isBetween(seconds(before) - 1.0, seconds(after) + 1.0);
        hull.run("delete", "-f", "watch").assertOk();
    }
}
