package dev.hull.vm;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The VM's size from the container's {@code linux.resources}, when config.json gives limits and no
 * {@code vm.memory}/{@code vm.cpus} of its own: a container limited to 1 GiB gets a VM in which 1 GiB is
 * there to use (the limit itself is enforced by the guest's cgroup), and one allowed two CPUs' worth of
 * time gets two vCPUs.
 */
public final class VmSizing {
    /**
     * What the guest needs besides the container's memory: the kernel keeps ~18 MiB of a VM's RAM for
     * itself (MemTotal 238 of 256 MiB), and the kernel, agent and page tables use ~20 MiB more when idle
     * (measured, busybox, 256 MiB VM); the rest is page cache headroom.
     */
    public static final int OVERHEAD_MIB = 64;
    /** Below this the guest has too little room for its own page cache. */
    public static final int MIN_MIB = 128;

    private VmSizing() {
    }

    /** The VM's memory for a memory limit in resources, or null when there is none. */
    public static Integer memoryMiB(JsonNode resources) {
        JsonNode limit = resources == null ? null : resources.path("memory").get("limit");
        if (limit == null || !limit.canConvertToLong() || limit.asLong() <= 0) {
            return null;
        }
        long mib = (limit.asLong() + (1 << 20) - 1) >> 20;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_MIB, mib + OVERHEAD_MIB));
    }

    /**
     * vCPUs for a CFS quota (quota / period, rounded up), at most {@code hostCpus}; null without a quota.
     * cpuset.cpus is not used: it names host CPUs, which the guest's do not map to.
     */
    public static Integer cpus(JsonNode resources, int hostCpus) {
        JsonNode cpu = resources == null ? null : resources.get("cpu");
        JsonNode quota = cpu == null ? null : cpu.get("quota");
        if (quota == null || !quota.canConvertToLong() || quota.asLong() <= 0) {
            return null;
        }
        JsonNode p = cpu.get("period");
        long period = p != null && p.canConvertToLong() && p.asLong() > 0 ? p.asLong() : 100_000;
        long cpus = (quota.asLong() + period - 1) / period;
        return (int) Math.max(1, Math.min(hostCpus, cpus));
    }
}
