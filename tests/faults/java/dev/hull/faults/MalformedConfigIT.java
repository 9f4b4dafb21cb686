package dev.hull.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullCli;
import dev.hull.testing.HullTest;
import dev.hull.testing.TestAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed config.json, one fault per case, as a user's typo or a hostile bundle would make it: `create`
 * fails with exit status 1 and one line on stderr that names what is wrong, and leaves no state folder and
 * no process (HullTest checks the processes). Most fail before a VM boots; the few the guest agent checks
 * (a seccomp action, a sysctl, a mount destination, uid maps) fail after, just as cleanly.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MalformedConfigIT extends HullTest {

    private static JsonNode valid() throws Exception {
        ObjectNode c = Bundles.config("true");
        // The shared root, read-only: no case may write to it.
        ((ObjectNode) c.get("root")).put("path", TestAssets.busyboxRootfs().toString()).put("readonly", true);
        var ns = c.putObject("linux").putArray("namespaces");
        for (String t : List.of("pid", "network", "ipc")) {
            ns.addObject().put("type", t);
        }
        return c;
    }

    private static Arguments edit(String name, String expected, Consumer<ObjectNode> change) {
        return Arguments.of(name, expected, (Consumer<Path>) bundle -> {
            try {
                ObjectNode c = (ObjectNode) valid();
                change.accept(c);
                Files.writeString(bundle.resolve("config.json"), Bundles.JSON.writeValueAsString(c));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static Arguments text(String name, String expected, String config) {
        return Arguments.of(name, expected, (Consumer<Path>) bundle -> {
            try {
                Files.writeString(bundle.resolve("config.json"), config);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static ObjectNode process(ObjectNode c) {
        return (ObjectNode) c.get("process");
    }

    private static ObjectNode linux(ObjectNode c) {
        return (ObjectNode) c.get("linux");
    }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>(List.of(
                text("empty file", "is empty", ""),
                text("a JSON array", "must be an object", "[]"),
                text("null", "is empty", "null"),
                text("truncated JSON", "Unexpected end-of-input", "{\"ociVersion\":"),
                edit("process is a number", "process must be an object", c -> c.put("process", 5)),
                edit("no process.args", "process.args is empty", c -> process(c).remove("args")),
                edit("empty process.args", "process.args is empty", c -> process(c).putArray("args")),
                edit("process.args a string", "process.args must be an array", c -> process(c).put("args", "sh")),
                edit("process.args holds a number", "process.args[0] must be a string",
                        c -> process(c).putArray("args").add(1)),
                edit("process.env not an array", "process.env must be an array", c -> process(c).put("env", "A=b")),
                edit("relative cwd", "process.cwd \"tmp\" must be an absolute path", c -> process(c).put("cwd", "tmp")),
                edit("negative uid", "process.user.uid must be an id", c -> ((ObjectNode) process(c).get("user"))
                        .put("uid", -1)),
                edit("uid a string", "process.user.uid must be an integer", c -> ((ObjectNode) process(c).get("user"))
                        .put("uid", "root")),
                edit("uid over 32 bits", "process.user.uid must be an id", c -> ((ObjectNode) process(c).get("user"))
                        .put("uid", 4294967296L)),
                edit("no root", "has no \"root\" object", c -> c.remove("root")),
                edit("root.path a number", "root.path must be a string",
                        c -> ((ObjectNode) c.get("root")).put("path", 5)),
                edit("root.path a file", "is not a directory",
                        c -> ((ObjectNode) c.get("root")).put("path", "/etc/hostname")),
                edit("root.path missing", "does not exist",
                        c -> ((ObjectNode) c.get("root")).put("path", "/no/such/root")),
                edit("mounts not an array", "mounts must be an array", c -> c.putObject("mounts")),
                edit("mount without destination", "mount destination", c -> c.putArray("mounts").addObject()
                        .put("type", "tmpfs").put("source", "tmpfs")),
                edit("relative mount destination", "mount destination 'tmp'", c -> c.putArray("mounts").addObject()
                        .put("destination", "tmp").put("type", "tmpfs").put("source", "tmpfs")),
                edit("hooks.prestart not an array", "hooks.prestart must be an array",
                        c -> c.putObject("hooks").putObject("prestart")),
                edit("hook without path", "hooks.prestart[0].path must be an absolute path",
                        c -> c.putObject("hooks").putArray("prestart").addObject().putArray("args").add("x")),
                edit("hook with a zero timeout", "hooks.poststart[0].timeout must be above zero",
                        c -> c.putObject("hooks").putArray("poststart").addObject().put("path", "/bin/true")
                                .put("timeout", 0)),
                edit("unknown namespace type", "unknown namespace type \"foo\"",
                        c -> linux(c).putArray("namespaces").addObject().put("type", "foo")),
                edit("duplicate namespace", "\"pid\" is given twice", c -> {
                    var ns = linux(c).putArray("namespaces");
                    ns.addObject().put("type", "pid");
                    ns.addObject().put("type", "pid");
                }),
                edit("cgroup namespace path of another type", "cannot enter the cgroup namespace /proc/self/ns/ipc"
                        + " (linux.namespaces in config.json): not a cgroup namespace",
                        c -> linux(c).putArray("namespaces").addObject().put("type", "cgroup")
                                .put("path", "/proc/self/ns/ipc")),
                edit("missing network namespace file", "/run/netns/no-such-ns",
                        c -> linux(c).putArray("namespaces").addObject().put("type", "network")
                                .put("path", "/run/netns/no-such-ns")),
                edit("memory limit a string", "linux.resources.memory.limit must be an integer",
                        c -> linux(c).putObject("resources").putObject("memory").put("limit", "abc")),
                edit("cpus a number", "linux.resources.cpu.cpus must be a string",
                        c -> linux(c).putObject("resources").putObject("cpu").put("cpus", 1)),
                edit("unified a number", "linux.resources.unified.memory.max must be a string",
                        c -> linux(c).putObject("resources").putObject("unified").put("memory.max", 5)),
                edit("unknown rlimit", "unknown rlimit type \"RLIMIT_NOPE\"",
                        c -> process(c).putArray("rlimits").addObject().put("type", "RLIMIT_NOPE").put("hard", 1)
                                .put("soft", 1)),
                edit("unknown seccomp action", "SCMP_ACT_NOPE",
                        c -> linux(c).putObject("seccomp").put("defaultAction", "SCMP_ACT_NOPE")),
                edit("terminal a string", "process.terminal must be true or false",
                        c -> process(c).put("terminal", "yes")),
                edit("annotations not an object", "annotations must be an object",
                        c -> c.putArray("annotations").add(1)),
                edit("hostname a number", "hostname must be a string", c -> c.put("hostname", 5)),
                edit("uid maps without a user namespace", "no user namespace",
                        c -> linux(c).putArray("uidMappings").addObject().put("containerID", 0).put("hostID", 1000)
                                .put("size", 1)),
                edit("sysctl value a number", "linux.sysctl.kernel.msgmax must be a string",
                        c -> linux(c).putObject("sysctl").put("kernel.msgmax", 1)),
                edit("unknown sysctl", "kernel.no_such_thing", c -> linux(c).putObject("sysctl")
                        .put("kernel.no_such_thing", "1")),
                edit("cgroupsPath that climbs out", "leaves the cgroup tree",
                        c -> linux(c).put("cgroupsPath", "../../x")),
                edit("over 4 MiB", "Hull reads at most 4194304", c -> c.putObject("annotations")
                        .put("x", "y".repeat(5 << 20)))));
        return all.stream();
    }

    /** runc warns about a capability it does not know and runs the container without it: so does Hull. */
    @Test
    void anUnknownCapabilityIsAWarningAsWithRunc() throws Exception {
        Path bundle = Files.createDirectories(dir.resolve("bundle"));
        ObjectNode c = (ObjectNode) valid();
        process(c).putArray("args").add("sh").add("-c").add("grep CapBnd /proc/self/status");
        var caps = process(c).putObject("capabilities");
        caps.putArray("bounding").add("CAP_TEST").add("CAP_KILL");
        caps.putArray("effective").add("CAP_KILL").add("CAP_TEST");
        caps.putArray("permitted").add("CAP_TEST").add("CAP_KILL");
        Files.writeString(bundle.resolve("config.json"), Bundles.JSON.writeValueAsString(c));
        Path log = dir.resolve("hull-cli.log");
        HullCli.Result r = hull.run("--log", log.toString(), "run", "--bundle", bundle.toString(), "caps");
        assertThat(r.code()).as(r.stderr()).isZero();
        // CAP_KILL (5) alone in the bounding set.
        assertThat(r.stdout()).isEqualTo("CapBnd:\t0000000000000020\n");
        assertThat(Files.readString(log)).contains(
                "level=warning msg=\"ignoring unknown or unavailable capabilities: [CAP_TEST]\"");
        hull.run("delete", "--force", "caps");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isOneClearLineAndLeavesNothing(String name, String expected, Consumer<Path> write) throws Exception {
        Path bundle = Files.createDirectories(dir.resolve("bundle"));
        write.accept(bundle);
        HullCli.Result r = hull.run("create", "--bundle", bundle.toString(), "bad");
        assertThat(r.code()).as(name + ": " + r.stderr()).isEqualTo(1);
        assertThat(r.stderr().lines().toList()).as(name).hasSize(1);
        assertThat(r.stderr()).as(name).startsWith("hull: ").contains(expected);
        assertThat(status("bad")).as(name).isEqualTo("absent");
        try (var left = Files.list(hull.root())) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(f -> !f.equals("hull.log")).toList())
                    .as(name + ": state left behind").isEmpty();
        }
    }
}
