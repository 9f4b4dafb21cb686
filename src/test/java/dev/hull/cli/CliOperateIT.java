package dev.hull.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullCli.Result;
import dev.hull.testing.HullTest;
import dev.hull.testing.TestAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.assertj.core.api.Assertions.assertThat;

/** Verbs on a running container: ps, pause/resume, events, update; and spec, features, check. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliOperateIT extends HullTest {
    private void runDetached(String id, String... args) throws Exception {
        Path out = dir.resolve(id + ".out");
        Process p = hull.start(null, out, dir.resolve(id + ".err"), "run", "-d", "-b",
                Bundles.of(dir.resolve("b-" + id), args).toString(), id);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve(id + ".err"))).isZero();
    }

    @Test
    void psListsASleep() throws Exception {
        runDetached("ps1", "sh", "-c", "sleep 1000 & sleep 1001 & wait");
        Path relayPid = dir.resolve("exec.pid");
        hull.run("exec", "-d", "--pid-file", relayPid.toString(), "ps1", "sleep", "1002").assertOk();
        waitFor(Duration.ofSeconds(30), () -> hull.run("ps", "ps1").stdout().contains("sleep 1002"));
        Result table = hull.run("ps", "ps1").assertOk();
        // The table is the guest's processes.
        assertThat(table.stdout()).startsWith("UID").contains("sleep 1000", "sleep 1001", "sleep 1002");
        // json is what managers look up in the host's /proc (docker top, ctr task ps): the host's pids of the
        // container (its anchor) and of its exec (the relay whose pid the manager was given), never the
        // guest's (their numbers name unrelated host processes, kernel threads).
        long anchor = Bundles.JSON.readTree(hull.run("state", "ps1").assertOk().stdout()).get("pid").asLong();
        long relay = Long.parseLong(Files.readString(relayPid).trim());
        JsonNode pids = Bundles.JSON.readTree(hull.run("ps", "--format", "json", "ps1").assertOk().stdout());
        assertThat(pids.isArray()).isTrue();
        assertThat(pids.valueStream().map(JsonNode::asLong).toList()).containsExactly(anchor, relay);
        assertThat(Path.of("/proc", Long.toString(anchor))).exists();
        assertThat(Path.of("/proc", Long.toString(relay))).exists();
        hull.run("delete", "-f", "ps1").assertOk();
        assertThat(hull.run("ps", "ps1").code()).isEqualTo(1);
    }

    @Test
    void pauseStopsTheWorkloadAndResumeContinuesIt() throws Exception {
        runDetached("pz", "sh", "-c", "while true; do echo tick; sleep 0.2; done");
        Path out = dir.resolve("pz.out");
        waitFor(Duration.ofSeconds(30), () -> Files.size(out) > 0);
        hull.run("pause", "pz").assertOk();
        assertThat(Bundles.JSON.readTree(hull.run("state", "pz").stdout()).get("status").asText()).isEqualTo("paused");
        // A tick the guest wrote just before the pause may still be on its way through the shim.
        Thread.sleep(500);
        long frozen = Files.size(out);
        Thread.sleep(2000);
        assertThat(Files.size(out)).as("no output while paused").isEqualTo(frozen);
        assertThat(hull.run("pause", "pz").code()).as("pausing twice").isEqualTo(1);
        hull.run("resume", "pz").assertOk();
        waitFor(Duration.ofSeconds(30), () -> Files.size(out) > frozen);
        assertThat(Bundles.JSON.readTree(hull.run("state", "pz").stdout()).get("status").asText()).isEqualTo("running");
        hull.run("pause", "pz").assertOk();
        hull.run("kill", "pz", "KILL").assertOk();
        waitFor(Duration.ofSeconds(30), () -> hull.run("state", "pz").stdout().contains("stopped"));
        hull.run("delete", "pz").assertOk();
    }

    @Test
    void deleteForceWorksOnAPausedContainer() throws Exception {
        runDetached("pf", "sleep", "1000");
        hull.run("pause", "pf").assertOk();
        hull.run("delete", "--force", "pf").assertOk();
        assertThat(hull.run("state", "pf").code()).isEqualTo(1);
    }

    @Test
    void eventsStatsSeeMemoryGrowAndUpdateIsVisibleInside() throws Exception {
        runDetached("ev", "sh", "-c",
                "sleep 2; head -c 52428800 /dev/zero > /dev/shm/fill; cat /sys/fs/cgroup/memory.max; sleep 1000");
        JsonNode before = Bundles.JSON.readTree(hull.run("events", "--stats", "ev").assertOk().stdout());
        assertThat(before.get("type").asText()).isEqualTo("stats");
        assertThat(before.get("id").asText()).isEqualTo("ev");
        long usage0 = before.at("/data/memory/usage/usage").asLong();
        assertThat(usage0).isPositive();
        hull.run("update", "--memory", "200m", "--pids-limit", "64", "ev").assertOk();
        waitFor(Duration.ofSeconds(60), () -> Files.readString(dir.resolve("ev.out")).contains("\n")
                || Files.readString(dir.resolve("ev.out")).length() > 3);
        assertThat(Files.readString(dir.resolve("ev.out")).strip()).isEqualTo(Long.toString(200L << 20));
        JsonNode after = Bundles.JSON.readTree(hull.run("events", "--stats", "ev").assertOk().stdout());
        assertThat(after.at("/data/memory/usage/usage").asLong()).isGreaterThan(usage0 + 40_000_000L);
        assertThat(after.at("/data/memory/usage/limit").asLong()).isEqualTo(200L << 20);
        assertThat(after.at("/data/pids/limit").asLong()).isEqualTo(64);
        hull.run("delete", "-f", "ev").assertOk();
    }

    /**
     * docker update -m: docker's resources, with a CPU period of 0 (unset, as runc reads it). What the VM
     * cannot give (more memory than it booted with, more vCPUs) is refused, and nothing changes.
     */
    @Test
    void updateTakesDockersResourcesAndRefusesWhatTheVmLacks() throws Exception {
        runDetached("up", "sleep", "1000");
        hull.run("update", "--pids-limit", "64", "up").assertOk();
        Path docker = dir.resolve("docker-update.json");
        Files.writeString(docker, """
                {"memory":{"limit":209715200,"swap":419430400},"cpu":{"shares":0,"quota":0,"period":0,
                "realtimeRuntime":0,"realtimePeriod":0,"cpus":"","mems":""},"pids":{"limit":0},"blockIO":{}}""");
        Result ok = hull.run("update", "-r", docker.toString(), "up");
        assertThat(ok.code()).as(ok.stderr()).isZero();
        // docker's zeroes leave the pids limit as it was.
        String limits = "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max";
        assertThat(hull.run("exec", "up", "sh", "-c", limits).assertOk().stdout())
                .isEqualTo((200L << 20) + "\nmax 100000\n64\n");

        Result memory = hull.run("update", "--memory", "64g", "up");
        assertThat(memory.code()).isEqualTo(1);
        assertThat(memory.stderr()).startsWith("hull: cannot update container 'up': linux.resources.memory.limit"
                + " 65536 MiB is more than the ").contains(" MiB of this container's VM");
        if (Runtime.getRuntime().availableProcessors() >= 2) {
            // docker update --cpus 2 in a VM of one vCPU.
            Result cpus = hull.run("update", "--cpu-quota", "200000", "--cpu-period", "100000", "up");
            assertThat(cpus.code()).isEqualTo(1);
            assertThat(cpus.stderr()).contains("needs 2 CPUs; this container's VM has 1 vCPU");
        }
        assertThat(hull.run("exec", "up", "sh", "-c", limits).assertOk().stdout()).as("nothing changed")
                .isEqualTo((200L << 20) + "\nmax 100000\n64\n");
        hull.run("delete", "-f", "up").assertOk();
    }

    /** runc refuses a checkpoint without criu; a VM's container cannot have one at all. */
    @Test
    void checkpointIsRefusedAndTheContainerRunsOn() throws Exception {
        runDetached("cp", "sleep", "1000");
        Path images = dir.resolve("images");
        Result r = hull.run("checkpoint", "--image-path", images.toString(), "--work-path", images.toString(),
                "--leave-running", "cp");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("hull: checkpoint is not supported: the container runs in its own"
                + " virtual machine, out of criu's reach\n");
        assertThat(images).doesNotExist();
        assertThat(Bundles.JSON.readTree(hull.run("state", "cp").stdout()).get("status").asText())
                .isEqualTo("running");
        hull.run("delete", "-f", "cp").assertOk();
    }

    @Test
    void eventsStreamUntilTheContainerStops() throws Exception {
        runDetached("es", "sleep", "3");
        Path out = dir.resolve("events.out");
        Process events = hull.start(null, out, dir.resolve("events.err"), "events", "--interval", "500ms", "es");
        assertThat(events.waitFor(60, TimeUnit.SECONDS)).as("events ends with the container").isTrue();
        assertThat(events.exitValue()).isZero();
        var lines = Files.readAllLines(out);
        assertThat(lines).hasSizeGreaterThanOrEqualTo(2);
        for (String line : lines) {
            assertThat(Bundles.JSON.readTree(line).get("type").asText()).isEqualTo("stats");
        }
        hull.run("delete", "es").assertOk();
    }

    @Test
    void eventsReportAnOomKillInTheGuest() throws Exception {
        ObjectNode config = Bundles.config("sleep", "1000");
        config.putObject("linux").putObject("resources").putObject("memory").put("limit", 64L << 20);
        Path bundle = Bundles.write(dir.resolve("b-oom"), config);
        Process run = hull.start(null, dir.resolve("oom.out"), dir.resolve("oom.err"), "run", "-d", "-b",
                bundle.toString(), "oom");
        assertThat(run.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).as(Files.readString(dir.resolve("oom.err"))).isZero();
        Path events = dir.resolve("oom-events.out");
        Process stream = hull.start(null, events, dir.resolve("oom-events.err"), "events", "--interval", "10s", "oom");
        try {
            // The stream's first statistics: it is watching (runc's events reports the OOMs that come after).
            waitFor(Duration.ofSeconds(60), () -> Files.size(events) > 0);
            // dd's 100 MiB buffer, filled, is past the container's 64 MiB: the guest's OOM killer ends dd.
            Result dd = hull.run("exec", "oom", "sh", "-c", "dd if=/dev/zero of=/dev/null bs=100M count=1; echo dd $?");
            assertThat(dd.stdout()).as("dd was killed").contains("dd 137");
            // runc's event for it, within the stream's second of polling.
            waitFor(Duration.ofSeconds(10), () -> Files.readString(events).contains("\"type\":\"oom\""));
            int ooms = 0;
            for (String line : Files.readAllLines(events)) {
                JsonNode e = Bundles.JSON.readTree(line);
                if (e.get("type").asText().equals("oom")) {
                    assertThat(e.get("id").asText()).isEqualTo("oom");
                    ooms++;
                }
            }
            assertThat(ooms).as("one oom event for dd").isEqualTo(1);
        } finally {
            stream.destroy();
            stream.waitFor(10, TimeUnit.SECONDS);
        }
        hull.run("delete", "-f", "oom").assertOk();
    }

    @Test
    void versionNamesHullTheSpecAndTheCommit() throws Exception {
        String v = hull.run("version").assertOk().stdout();
        assertThat(v).startsWith("hull version ").contains("spec: 1.2.0").contains("commit: ");
        assertThat(hull.run("--version").assertOk().stdout()).isEqualTo(v);
    }

    @Test
    void specIsRunnableAndFeaturesIsJson() throws Exception {
        Path bundle = Files.createDirectories(dir.resolve("spec"));
        hull.run("spec", "--bundle", bundle.toString()).assertOk();
        assertThat(hull.run("spec", "--bundle", bundle.toString()).stderr()).contains("exists");
        var config = (ObjectNode) Bundles.JSON.readTree(bundle.resolve("config.json").toFile());
        ((ObjectNode) config.get("process")).put("terminal", false)
                .putArray("args").add("sh").add("-c").add("echo from spec");
        Files.createSymbolicLink(bundle.resolve("rootfs"), TestAssets.busyboxRootfs());
        Bundles.write(bundle, config);
        Result r = hull.run("run", "-b", bundle.toString(), "fromspec");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("from spec\n");

        JsonNode features = Bundles.JSON.readTree(hull.run("features").assertOk().stdout());
        assertThat(features.get("ociVersionMax").asText()).isEqualTo("1.2.0");
        assertThat(features.at("/linux/namespaces")).isNotEmpty();
    }

    @Test
    void checkReportsTheAcceleratorWithinThirtySeconds() throws Exception {
        long t0 = System.nanoTime();
        Result r = hull.run(null, Duration.ofSeconds(30), "check");
        assertThat(r.code()).isZero();
        assertThat(r.stdout()).contains("qemu:").contains("kernel:").contains("accelerator:")
                .containsPattern("network:\\s+ok").containsPattern("root share:\\s+ok\\s+virtio-fs")
                // The guest's clocksource and timer mode, from a guest booted for it.
                .containsPattern("guest clock:\\s+ok\\s+(tsc|kvm-clock),"
                        + " lapic\\S* timer one-shot \\(1 ns, tickless idle\\)");
        if (Files.isWritable(Path.of("/dev/kvm"))) {
            // These hosts have /dev/kvm but hang KVM guests: the probe must say so and pick TCG.
            assertThat(r.stdout()).containsPattern("kvm guest:\\s+NO").contains("tcg (auto)");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
    }
}
