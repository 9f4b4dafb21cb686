package dev.hull.vm;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/** The VM's size from linux.resources: the limit plus the guest's own overhead, vCPUs from the quota. */
class VmSizingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void memoryIsTheLimitPlusTheGuestsOwn() throws Exception {
        assertThat(VmSizing.memoryMiB(JSON.readTree("{\"memory\":{\"limit\":1073741824}}"))).isEqualTo(1024 + 64);
        assertThat(VmSizing.memoryMiB(JSON.readTree("{\"memory\":{\"limit\":1000}}"))).isEqualTo(VmSizing.MIN_MIB);
        assertThat(VmSizing.memoryMiB(JSON.readTree("{\"memory\":{\"limit\":-1}}"))).isNull();
        assertThat(VmSizing.memoryMiB(JSON.readTree("{\"cpu\":{\"shares\":2}}"))).isNull();
        assertThat(VmSizing.memoryMiB(null)).isNull();
    }

    @Test
    void cpusAreTheQuotaOverThePeriodAtMostTheHosts() throws Exception {
        assertThat(VmSizing.cpus(JSON.readTree("{\"cpu\":{\"quota\":200000,\"period\":100000}}"), 8)).isEqualTo(2);
        assertThat(VmSizing.cpus(JSON.readTree("{\"cpu\":{\"quota\":150000}}"), 8)).isEqualTo(2);
        assertThat(VmSizing.cpus(JSON.readTree("{\"cpu\":{\"quota\":50000,\"period\":100000}}"), 8)).isEqualTo(1);
        assertThat(VmSizing.cpus(JSON.readTree("{\"cpu\":{\"quota\":800000,\"period\":100000}}"), 2)).isEqualTo(2);
        assertThat(VmSizing.cpus(JSON.readTree("{\"cpu\":{\"quota\":-1}}"), 2)).isNull();
    }

    @Test
    void anUpdateBeyondTheVmIsNamedWithTheVmsSize() throws Exception {
        // docker update -m 400m: a period of 0 (unset) with the memory limit.
        var docker = JSON.readTree("{\"memory\":{\"limit\":419430400},\"cpu\":{\"quota\":0,\"period\":0}}");
        assertThat(VmSizing.beyond(docker, 512 + 64, 1, 2)).isEmpty();
        assertThat(VmSizing.beyond(docker, 256, 1, 2)).contains("linux.resources.memory.limit 400 MiB is more than"
                + " the 256 MiB of this container's VM (a VM keeps the memory it booted with: create the container"
                + " with the larger limit)");
        assertThat(VmSizing.beyond(docker, 400, 1, 2)).isEmpty();
        // docker update --cpus 2 after --cpus 0.5.
        var twoCpus = JSON.readTree("{\"cpu\":{\"quota\":200000,\"period\":100000}}");
        assertThat(VmSizing.beyond(twoCpus, 256, 1, 2)).get().asString()
                .contains("needs 2 CPUs; this container's VM has 1 vCPU ");
        assertThat(VmSizing.beyond(twoCpus, 256, 2, 2)).isEmpty();
        // As at create: no more vCPUs than the host has.
        assertThat(VmSizing.beyond(JSON.readTree("{\"cpu\":{\"quota\":800000}}"), 256, 2, 2)).isEmpty();
        assertThat(VmSizing.beyond(JSON.readTree("{\"memory\":{\"limit\":-1},\"pids\":{\"limit\":5}}"), 256, 1, 2))
                .isEmpty();
    }

    @Test
    void aPodIsSizedByItsSandboxesAnnotationsWhereItsLimitsAreMissing() throws Exception {
        var pod = Map.of("io.kubernetes.cri.sandbox-memory", "536870912",
                "io.kubernetes.cri.sandbox-cpu-quota", "200000", "io.kubernetes.cri.sandbox-cpu-period", "100000");
        var sized = VmSizing.withPodAnnotations(pod, null);
        assertThat(VmSizing.memoryMiB(sized)).isEqualTo(512 + 64);
        assertThat(VmSizing.cpus(sized, 8)).isEqualTo(2);
        // The sandbox's own limit wins; no annotations change nothing.
        var own = JSON.readTree("{\"memory\":{\"limit\":1073741824}}");
        assertThat(VmSizing.memoryMiB(VmSizing.withPodAnnotations(pod, own))).isEqualTo(1024 + 64);
        assertThat(VmSizing.withPodAnnotations(Map.of(), own)).isSameAs(own);
        assertThat(VmSizing.withPodAnnotations(Map.of("io.kubernetes.cri.sandbox-memory", "x"), null)).isNull();
    }
}
