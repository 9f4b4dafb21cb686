package dev.hull.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;

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

    /** containerd's CRI plugin (1.7 on) sizes a pod on its sandbox with these: bytes, and CFS µs. */
    static final String SANDBOX_MEMORY = "io.kubernetes.cri.sandbox-memory";
    static final String SANDBOX_CPU_QUOTA = "io.kubernetes.cri.sandbox-cpu-quota";
    static final String SANDBOX_CPU_PERIOD = "io.kubernetes.cri.sandbox-cpu-period";

    /**
     * A pod's VM is booted by its sandbox, whose own limits (a pause process) are seldom given: where the
     * manager sizes the whole pod in the sandbox's annotations, they stand in for the limits the sandbox's
     * resources lack. The members' limits apply to their own cgroups in the guest.
     */
    public static JsonNode withPodAnnotations(Map<String, String> annotations, JsonNode resources) {
        long memory = positive(annotations.get(SANDBOX_MEMORY));
        long quota = positive(annotations.get(SANDBOX_CPU_QUOTA));
        long period = positive(annotations.get(SANDBOX_CPU_PERIOD));
        if (memory <= 0 && quota <= 0) {
            return resources;
        }
        var out = resources instanceof ObjectNode o ? o.deepCopy()
                : JsonNodeFactory.instance.objectNode();
        if (memory > 0 && memoryMiB(out) == null) {
            out.putObject("memory").put("limit", memory);
        }
        if (quota > 0 && cpus(out, Integer.MAX_VALUE) == null) {
            var cpu = out.putObject("cpu").put("quota", quota);
            if (period > 0) {
                cpu.put("period", period);
            }
        }
        return out;
    }

    private static long positive(String value) {
        try {
            return value == null ? 0 : Math.max(0, Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
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

    /**
     * What an update asks that this VM cannot give, if anything: a memory limit above the VM's
     * {@code memoryMiB}, or a CFS quota needing more vCPUs than its {@code cpus} (at most the host's, as at
     * create). A VM keeps the memory and vCPUs it booted with: qemu could hotplug them, but the guest kernel
     * has no memory or CPU hotplug, and a limit the VM cannot back would limit nothing.
     */
    public static Optional<String> beyond(JsonNode resources, int memoryMiB, int cpus, int hostCpus) {
        JsonNode limit = resources == null ? null : resources.path("memory").get("limit");
        if (limit != null && limit.canConvertToLong() && limit.asLong() > (long) memoryMiB << 20) {
            return Optional.of("linux.resources.memory.limit " + mib(limit.asLong()) + " is more than the "
                    + memoryMiB + " MiB of this container's VM (a VM keeps the memory it booted with: create the "
                    + "container with the larger limit)");
        }
        Integer wanted = cpus(resources, hostCpus);
        if (wanted != null && wanted > cpus) {
            JsonNode cpu = resources.get("cpu");
            return Optional.of("linux.resources.cpu.quota " + cpu.get("quota").asLong() + " (period "
                    + cpu.path("period").asLong(0) + ") needs " + wanted + " CPUs; this container's VM has "
                    + cpus + " vCPU" + (cpus == 1 ? "" : "s") + " (a VM keeps the vCPUs it booted with: create "
                    + "the container with the larger quota)");
        }
        return Optional.empty();
    }

    private static String mib(long bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }
}
