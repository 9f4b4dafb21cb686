package dev.hull.agent;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** What the agent answers to requests (the {@code result} object of a response). */
public final class Results {
    private Results() {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record HelloResult(int version, String agent, String kernel, String mode) {
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
        public record Memory(long usage, long limit) {
        }

        @JsonIgnoreProperties(ignoreUnknown = true)
        public record Pids(long current, long limit) {
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Empty() {
    }
}
