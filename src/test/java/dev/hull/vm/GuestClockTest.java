package dev.hull.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The host's TSC frequency, as the guest's command line gets it, from what the host kernel says. */
class GuestClockTest {
    private static final String CPUINFO = """
            processor\t: 0
            model name\t: AMD EPYC
            cpu MHz\t\t: 2596.118
            flags\t\t: fpu tsc msr constant_tsc nonstop_tsc tsc_known_freq
            bogomips\t: 5192.23

            processor\t: 1
            cpu MHz\t\t: 1000.000
            """;

    @Test
    void theKernelLogsLastWordWins() {
        assertThat(GuestClock.detect(CPUINFO, List.of("tsc: Detected 2596.118 MHz processor")))
                .isEqualTo(OptionalLong.of(2_596_118));
        assertThat(GuestClock.detect(CPUINFO, List.of("tsc: Detected 2400.000 MHz processor",
                "tsc: Detected 2399.987 MHz TSC"))).isEqualTo(OptionalLong.of(2_399_987));
        assertThat(GuestClock.detect(CPUINFO, List.of("tsc: Detected 2095.000 MHz processor",
                "clocksource: tsc-early: mask: 0xffffffffffffffff",
                "tsc: Refined TSC clocksource calibration: 2095.077 MHz"))).isEqualTo(OptionalLong.of(2_095_077));
    }

    @Test
    void withoutTheLogCpuinfoSays() {
        assertThat(GuestClock.detect(CPUINFO, List.of("unrelated"))).isEqualTo(OptionalLong.of(2_596_118));
        // With aperfmperf "cpu MHz" is the current, varying frequency: bogomips / 2 is derived from the TSC's.
        String scaling = CPUINFO.replace("tsc_known_freq", "aperfmperf");
        assertThat(GuestClock.detect(scaling, List.of())).isEqualTo(OptionalLong.of(2_596_115));
    }

    @Test
    void aTscThatIsNotConstantIsNotUsed() {
        assertThat(GuestClock.detect(CPUINFO.replace("constant_tsc ", ""),
                List.of("tsc: Detected 2596.118 MHz processor"))).isEmpty();
        assertThat(GuestClock.detect("", List.of())).isEmpty();
    }

    @Test
    void kvmGetsNothingAndGivenParametersWin() {
        assertThat(GuestClock.kernelParams("kvm", List.of())).isEmpty();
        assertThat(GuestClock.kernelParams("tcg", List.of("nolapic_timer", "tsc_early_khz=1000")))
                .noneMatch(p -> p.startsWith("tsc_early_khz") || p.startsWith("lapic_timer_khz"));
        assertThat(GuestClock.kernelParams("tcg", List.of())).contains("lapic_timer_khz=1000000");
    }
}
