package dev.hull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullCli;
import dev.hull.testing.HullTest;
import dev.hull.testing.Leftovers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pods without a manager, as podman and docker lay them out: a sandbox that boots the VM in a network
 * namespace, and members whose config.json names the sandbox's namespaces by /proc/PID/ns/... (or the
 * sandbox's id in CRI-O's annotation): they run in the same VM, each with its own root, pid namespace and
 * exit status, behind a small host process whose pid the manager reaps.
 */
class CliPodIT extends HullTest {
    private final String netns = "hullpod" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100000;

    @AfterEach
    void removeNamespace() throws Exception {
        new ProcessBuilder("ip", "netns", "del", netns).start().waitFor();
    }

    private Path sandbox(String... args) throws Exception {
        assertThat(new ProcessBuilder("ip", "netns", "add", netns).start().waitFor()).isZero();
        ObjectNode c = Bundles.config(args);
        ArrayNode ns = c.putObject("linux").putArray("namespaces");
        for (String t : List.of("pid", "mount", "ipc", "uts")) {
            ns.addObject().put("type", t);
        }
        ns.addObject().put("type", "network").put("path", "/run/netns/" + netns);
        return Bundles.write(dir.resolve("sandbox"), c);
    }

    /** A member naming the sandbox's network, ipc and uts namespaces through its pid, as podman's do. */
    private Path member(String name, long sandboxPid, String... args) throws Exception {
        ObjectNode c = Bundles.config(args);
        c.putObject("annotations").put("io.kubernetes.cri-o.ContainerType", "container");
        ArrayNode ns = c.putObject("linux").putArray("namespaces");
        ns.addObject().put("type", "pid");
        ns.addObject().put("type", "mount");
        for (String t : List.of("network", "ipc", "uts")) {
            ns.addObject().put("type", t)
                    .put("path", "/proc/" + sandboxPid + "/ns/" + (t.equals("network") ? "net" : t));
        }
        return Bundles.write(dir.resolve(name), c);
    }

    private long pid(String id) throws Exception {
        return Bundles.JSON.readTree(hull.run("state", id).assertOk().stdout()).get("pid").asLong();
    }

    @Test
    void membersRunInTheSandboxesVmAndEachHasItsOwnRootAndStatus() throws Exception {
        hull.run("create", "--bundle", sandbox("sh", "-c", "echo sandbox-root > /whoami; exec sleep 1001").toString(),
                "sb").assertOk();
        hull.run("start", "sb").assertOk();
        long sb = pid("sb");
        Path pidFile = dir.resolve("m1.pid");
        Path out = dir.resolve("m1.out");
        Process create = hull.start(null, out, dir.resolve("m1.err"), "create", "--bundle",
                member("m1", sb, "sh", "-c", "echo member-root > /whoami; cat /proc/sys/kernel/random/boot_id;"
                        + " exec sleep 1000").toString(),
                "--pid-file", pidFile.toString(), "m1");
        assertThat(create.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(create.exitValue()).as(Files.readString(dir.resolve("m1.err"))).isZero();
        assertThat(status("m1")).isEqualTo("created");
        long m1 = Long.parseLong(Files.readString(pidFile));
        assertThat(m1).isEqualTo(pid("m1"));
        // Its pid is a small host process, not a JVM and not a qemu.
        assertThat(ProcessHandle.of(m1).flatMap(p -> p.info().command()).orElse("")).endsWith("hull-member");

        hull.run("start", "m1").assertOk();
        assertThat(status("m1")).isEqualTo("running");
        String bootId = hull.run("exec", "sb", "cat", "/proc/sys/kernel/random/boot_id").assertOk().stdout();
        // One VM for the two: the same guest kernel boot (the member's own output says), one qemu.
        waitFor(Duration.ofSeconds(30), () -> Files.readString(out).contains(bootId));
        assertThat(Files.readString(out)).isEqualTo(bootId);
        assertThat(Leftovers.qemus(dir)).hasSize(1);
        // Each has its own root (writes reach its own bundle's rootfs) and its own pid namespace.
        assertThat(Files.readString(dir.resolve("sandbox/rootfs/whoami"))).isEqualTo("sandbox-root\n");
        assertThat(Files.readString(dir.resolve("m1/rootfs/whoami"))).isEqualTo("member-root\n");
        assertThat(hull.run("exec", "m1", "ps", "-o", "args").assertOk().stdout())
                .contains("sleep 1000").doesNotContain("sleep 1001");
        // The sandbox's ipc and uts namespaces are shared, as config.json names them.
        assertThat(hull.run("exec", "m1", "hostname").assertOk().stdout()).isEqualTo("hull-test\n");
        assertThat(hull.run("exec", "m1", "readlink", "/proc/self/ns/ipc").assertOk().stdout())
                .isEqualTo(hull.run("exec", "sb", "readlink", "/proc/self/ns/ipc").assertOk().stdout());
        assertThat(hull.run("ps", "m1").assertOk().stdout()).contains("sleep 1000");

        // list --all names the pod of each.
        String list = hull.run("list", "--all", "--format", "json").assertOk().stdout();
        var rows = Bundles.JSON.readTree(list);
        for (var row : rows) {
            assertThat(row.get("vm").get("pod").asText()).isEqualTo("sb");
        }

        // Killing the member leaves the sandbox running; the member's host process exits with its status.
        // (KILL: its sleep is PID 1 of its namespace and has no TERM handler, so TERM is ignored, as with runc.)
        hull.run("kill", "m1", "KILL").assertOk();
        waitFor(Duration.ofSeconds(30), () -> status("m1").equals("stopped"));
        waitFor(Duration.ofSeconds(10), () -> !ProcessHandle.of(m1).map(ProcessHandle::isAlive).orElse(false));
        assertThat(status("sb")).isEqualTo("running");
        assertThat(Files.readString(hull.root().resolve("m1/state.json"))).contains("\"exitCode\":137");
        hull.run("delete", "m1").assertOk();
        assertThat(status("m1")).isEqualTo("absent");
        assertThat(hull.run("exec", "sb", "true").code()).isZero();
        hull.run("delete", "--force", "sb").assertOk();
        assertThat(Leftovers.qemus(dir)).isEmpty();
    }

    @Test
    void anAttachedRunOfAMemberExitsWithItsStatusAndDeletingTheSandboxEndsTheOthers() throws Exception {
        hull.run("create", "--bundle", sandbox("sleep", "1000").toString(), "sb").assertOk();
        hull.run("start", "sb").assertOk();
        long sb = pid("sb");
        HullCli.Result run = hull.run("run", "--bundle",
                member("once", sb, "sh", "-c", "echo out; echo err >&2; exit 7").toString(), "once");
        assertThat(run.code()).as(run.stderr()).isEqualTo(7);
        assertThat(run.stdout()).isEqualTo("out\n");
        assertThat(run.stderr()).isEqualTo("err\n");
        assertThat(status("once")).isEqualTo("absent");

        // A member with a volume, running when its sandbox is deleted: it ends with the VM (killed).
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("in.txt"), "from the host\n");
        Path bundle = member("m2", sb, "sh", "-c", "cat /data/in.txt > /data/out.txt; exec sleep 1000");
        ObjectNode c = (ObjectNode) Bundles.JSON.readTree(Files.readString(bundle.resolve("config.json")));
        c.putArray("mounts").addObject().put("destination", "/data").put("type", "bind")
                .put("source", data.toString()).putArray("options").add("rbind").add("rw");
        Files.writeString(bundle.resolve("config.json"), Bundles.JSON.writeValueAsString(c));
        hull.run("create", "--bundle", bundle.toString(), "m2").assertOk();
        long m2 = pid("m2");
        hull.run("start", "m2").assertOk();
        waitFor(Duration.ofSeconds(30), () -> Files.exists(data.resolve("out.txt"))
                && Files.size(data.resolve("out.txt")) > 0);
        assertThat(Files.readString(data.resolve("out.txt"), StandardCharsets.UTF_8)).isEqualTo("from the host\n");
        hull.run("delete", "--force", "sb").assertOk();
        assertThat(status("m2")).isEqualTo("stopped");
        waitFor(Duration.ofSeconds(10), () -> !ProcessHandle.of(m2).map(ProcessHandle::isAlive).orElse(false));
        assertThat(Files.readString(hull.root().resolve("m2/state.json"))).contains("\"exitCode\":137");
        hull.run("delete", "m2").assertOk();
        // A member whose sandbox is gone has nowhere to run: a clear error, nothing made.
        HullCli.Result late = hull.run("create", "--bundle", member("late", sb, "true").toString(), "late");
        assertThat(late.code()).isNotZero();
        assertThat(late.stderr()).startsWith("hull: ");
        assertThat(status("late")).isEqualTo("absent");
    }
}
