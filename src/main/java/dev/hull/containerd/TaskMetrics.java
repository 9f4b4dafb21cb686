package dev.hull.containerd;

import dev.hull.agent.Results;
import dev.hull.containerd.api.cgroups.v2.CPUStat;
import dev.hull.containerd.api.cgroups.v2.MemoryEvents;
import dev.hull.containerd.api.cgroups.v2.MemoryStat;
import dev.hull.containerd.api.cgroups.v2.Metrics;
import dev.hull.containerd.api.cgroups.v2.PidsStat;

/**
 * The guest cgroup's figures (the agent's stats: the container's cgroup v2 in its VM) as containerd's
 * cgroup v2 metrics, which {@code ctr task metrics} and the CRI's container stats read.
 */
final class TaskMetrics {
    private TaskMetrics() {
    }

    static Metrics of(Results.Stats s) {
        var m = Metrics.newBuilder();
        if (s.cpu() != null) {
            m.setCpu(CPUStat.newBuilder().setUsageUsec(s.cpu().usageUsec()).setUserUsec(s.cpu().userUsec())
                    .setSystemUsec(s.cpu().systemUsec()));
        }
        if (s.memory() != null) {
            m.setMemory(MemoryStat.newBuilder().setUsage(s.memory().usage()).setUsageLimit(s.memory().limit()));
            m.setMemoryEvents(MemoryEvents.newBuilder().setOomKill(s.memory().oomKills()));
        }
        if (s.pids() != null) {
            m.setPids(PidsStat.newBuilder().setCurrent(s.pids().current()).setLimit(s.pids().limit()));
        }
        return m.build();
    }
}
