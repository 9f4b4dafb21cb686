package dev.hull.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullCli.Result;
import dev.hull.testing.HullCli;
import dev.hull.testing.HullTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.assertj.core.api.Assertions.assertThat;

/** list, stop, the seed's one-step start and OCI-style create, logs and --debug. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliVerbsIT extends HullTest {
    @Test
    void listInEveryFormat() throws Exception {
        HullCli hull = new HullCli(dir);
        assertThat(hull.run("list", "--format", "json").assertOk().stdout().strip()).isEqualTo("null");
        assertThat(hull.run("list").assertOk().stdout()).startsWith("ID").contains("STATUS");
        hull.run("run", "-d", "-b", Bundles.of(dir.resolve("b"), "sleep", "1000").toString(), "l1").assertOk();

        assertThat(hull.run("list", "-q").assertOk().stdout()).isEqualTo("l1\n");
        JsonNode json = Bundles.JSON.readTree(hull.run("list", "-f", "json").assertOk().stdout());
        assertThat(json).hasSize(1);
        assertThat(json.get(0).get("id").asText()).isEqualTo("l1");
        assertThat(json.get(0).get("status").asText()).isEqualTo("running");
        JsonNode all = Bundles.JSON.readTree(hull.run("list", "--all", "-f", "json").assertOk().stdout()).get(0);
        assertThat(all.at("/vm/kernel").asText()).endsWith("vmlinux");
        assertThat(all.at("/vm/accel").asText()).isIn("tcg", "kvm");
        // As root with Debian's virtiofsd (what the tests run with), the root goes over virtio-fs.
        assertThat(all.at("/vm/share").asText()).isEqualTo("virtiofs");
        long qemu = all.at("/vm/qemuPid").asLong();
        assertThat(ProcessHandle.of(qemu).flatMap(p -> p.info().command())).get().asString().contains("qemu");
        assertThat(hull.run("list", "--all").assertOk().stdout()).contains("QEMU PID").contains(Long.toString(qemu));

        hull.run("stop", "l1").assertOk();
        assertThat(Bundles.JSON.readTree(hull.run("state", "l1").assertOk().stdout()).get("status").asText())
                .isEqualTo("stopped");
        assertThat(ProcessHandle.of(qemu).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        hull.run("delete", "l1").assertOk();
    }

    @Test
    void theSeedsOneStepStartAndOciStyleCreate() throws Exception {
        HullCli hull = new HullCli(dir);
        Path bundle = Bundles.of(dir.resolve("b"), "sleep", "1000");
        Path pid = dir.resolve("pid");
        hull.run("start", "--bundle", bundle.toString(), "-d", "--pid-file", pid.toString(), "one").assertOk();
        JsonNode state = Bundles.JSON.readTree(hull.run("state", "one").assertOk().stdout());
        assertThat(state.get("status").asText()).isEqualTo("running");
        assertThat(state.get("pid").asText()).isEqualTo(Files.readString(pid));
        hull.run("delete", "-f", "one").assertOk();

        hull.run("create", "oci", bundle.toString()).assertOk();
        assertThat(Bundles.JSON.readTree(hull.run("state", "oci").assertOk().stdout()).get("bundle").asText())
                .isEqualTo(bundle.toString());
        hull.run("delete", "oci").assertOk();
    }

    @Test
    void ociHooksRunOnTheHostWithTheStateOnStdin() throws Exception {
        Path hook = dir.resolve("hook.sh");
        Files.writeString(hook, "#!/bin/sh\ncat > \"$1\"\nprintf '\\n%s\\n' \"$HOOK_ENV\" >> \"$1\"\n");
        hook.toFile().setExecutable(true);
        var config = Bundles.config("true");
        var hooks = config.putObject("hooks");
        for (String phase : new String[] {"createRuntime", "prestart", "poststart", "poststop"}) {
            hooks.putArray(phase).addObject().put("path", hook.toString())
                    .putArray("args").add("hook.sh").add(dir.resolve(phase + ".out").toString());
            ((ObjectNode) hooks.get(phase).get(0)).putArray("env")
                    .add("HOOK_ENV=" + phase);
        }
        hull.run("run", "-b", Bundles.write(dir.resolve("b"), config).toString(), "hooked").assertOk();
        for (String phase : new String[] {"createRuntime", "prestart", "poststart", "poststop"}) {
            var lines = Files.readAllLines(dir.resolve(phase + ".out"));
            assertThat(Bundles.JSON.readTree(lines.get(0)).get("id").asText()).as(phase).isEqualTo("hooked");
            assertThat(lines.get(1)).isEqualTo(phase);
        }

        var failing = Bundles.config("true");
        failing.putObject("hooks").putArray("prestart").addObject().put("path", "/bin/false");
        var r = hull.run("create", "-b", Bundles.write(dir.resolve("b2"), failing).toString(), "nohook");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.stderr()).contains("prestart hook /bin/false failed");
        assertThat(hull.run("state", "nohook").code()).isEqualTo(1);
    }

    @Test
    void debugPutsTheGuestsBootMessagesInTheLogAndEveryLogGetsPids() throws Exception {
        Path log = dir.resolve("hull.txt");
        Path global = dir.resolve("global.log");
        HullCli hull = new HullCli(dir, "--debug", "--log", log.toString(), "--global-log", global.toString());
        Result r = hull.run("run", "-b", Bundles.of(dir.resolve("b"), "true").toString(), "dbg");
        assertThat(r.code()).isZero();
        String text = Files.readString(log);
        assertThat(text).contains("level=debug").contains("guest: ").contains("Linux version");
        String pidTag = "] info: creating dbg";
        assertThat(Files.readString(global)).contains(pidTag);
        assertThat(Files.readString(hull.root().resolve("hull.log"))).contains(pidTag);
    }
}
