package dev.hull.agent;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** What the agent answers to requests (the {@code result} object of a response). */
public final class Results {
    private Results() {
    }

    /**
     * {@code version}: the protocol version the agent settled on; {@code minVersion} to {@code maxVersion}: the
     * ones it speaks. {@code capabilities}: the ops it serves, null from an agent that does not say (it
     * serves them all). {@code clock}: how the guest keeps time; null from an agent that does not say.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record HelloResult(int version, int minVersion, int maxVersion, List<String> capabilities, String agent,
            String kernel, String mode, Clock clock) {
        /** Whether the agent serves {@code op}. */
        public boolean serves(String op) {
            return capabilities == null || capabilities.contains(op);
        }
    }

    /**
     * The guest kernel's clocksource ({@code tsc}, {@code kvm-clock}, {@code refined-jiffies}), its clock
     * event device ({@code lapic-deadline}, {@code lapic}, {@code pit}) and CLOCK_MONOTONIC's resolution in
     * nanoseconds: 1 with high-resolution timers (and so a one-shot timer, tickless when idle), else a tick.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Clock(String clocksource, String clockevent, long resolution) {
        public boolean highResolution() {
            return resolution == 1;
        }

        /** One line for people: {@code tsc, lapic timer one-shot (1 ns, tickless idle)}. */
        public String describe() {
            return clocksource + ", " + clockevent + " timer " + (highResolution()
                    ? "one-shot (1 ns, tickless idle)" : "periodic (" + resolution / 1_000_000.0 + " ms tick)");
        }
    }

    /** settime's answer: the guest's wall clock just before it was set, in nanoseconds since the epoch. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TimeSet(long was) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Pid(int pid) {
    }

    /** How a process ended: {@code code} is its exit code, or 128+signal when a signal ended it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ExitStatus(int code, int signal) {
        public boolean signalled() {
            return signal != 0;
        }
    }

    /**
     * A container's first process's end as wait answers it: its status, and the OOM kills in its cgroup by
     * then (null: not said, a container with no cgroup or an older agent).
     */
    public record FirstEnd(ExitStatus status, Long oomKills) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ProcessInfo(int pid, int ppid, int uid, int nspid, String cmd) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ProcessList(List<ProcessInfo> processes) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Stats(Cpu cpu, Memory memory, Pids pids) {
        @JsonIgnoreProperties(ignoreUnknown = true)
        public record Cpu(long usageUsec, long userUsec, long systemUsec) {
        }

        @JsonIgnoreProperties(ignoreUnknown = true)
        // oomKills: the OOM kills in the container's cgroup so far (an older agent sends none: 0).
        public record Memory(long usage, long limit, long oomKills) {
        }

        @JsonIgnoreProperties(ignoreUnknown = true)
        public record Pids(long current, long limit) {
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Empty() {
    }
}
