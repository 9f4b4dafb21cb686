package dev.hull.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.oci.HostNamespaces;
import dev.hull.oci.SpecJson;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullCli.Result;
import dev.hull.testing.HullCli;
import dev.hull.testing.HullTest;
import dev.hull.testing.TestAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.assertj.core.api.Assertions.assertThat;

/** Bad input gets a clear error, exit status 1, and leaves nothing behind. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliErrorsIT extends HullTest {
    @AfterEach
    void noStateLeftBehind() throws Exception {
        try (var entries = Files.list(hull.root())) {
            assertThat(entries.filter(Files::isDirectory).toList()).as("container state left behind").isEmpty();
        }
    }

    private Result fails(String... args) throws Exception {
        Result r = hull.run(args);
        assertThat(r.code()).as("exit status of hull %s; stderr %s", String.join(" ", args), r.stderr())
                .isEqualTo(1);
        return r;
    }

    private Path bundle(ObjectNode config) throws Exception {
        return Bundles.write(dir.resolve("b" + System.nanoTime()), config);
    }

    /**
     * runc reads a type left out of linux.namespaces as the host's namespace (--network host, hostPID,
     * hostIPC): a container in a VM cannot have those, so create and run refuse it, naming the field, where
     * Hull used to run it in a VM of its own, silently. A config.json with no namespaces at all is a bare
     * bundle (every other test's) and runs; so does `hull spec`'s.
     */
    @Test
    void aHostNamespaceIsRefusedAtCreate() throws Exception {
        for (String shared : List.of("network", "pid", "ipc")) {
            ObjectNode c = Bundles.config("true");
            ArrayNode ns = c.putObject("linux").putArray("namespaces");
            for (String t : List.of("pid", "network", "ipc", "uts", "mount")) {
                if (!t.equals(shared)) {
                    ns.addObject().put("type", t);
                }
            }
            for (String verb : List.of("create", "run")) {
                assertThat(fails(verb, "-b", bundle(c).toString(), "host-" + shared).stderr()).as(verb)
                        .contains("linux.namespaces has no " + shared + " namespace")
                        .contains("the container would share the host's")
                        .contains("which a container in a VM cannot");
            }
        }
        for (boolean rootless : new boolean[] {false, true}) {
            var spec = SpecCommand.spec(rootless);
            assertThat(HostNamespaces.whyNot(SpecJson.spec(spec).linux()))
                    .as("hull spec%s", rootless ? " --rootless" : "").isEmpty();
        }
    }

    /** An unknown capability is not among these: runc warns and goes on (MalformedConfigIT). */
    @Test
    void unknownNamespaceTypeOrRlimitFailsBeforeABoot() throws Exception {
        ObjectNode ns = Bundles.config("true");
        ns.putObject("linux").putArray("namespaces").addObject().put("type", "pidd");
        assertThat(fails("create", "-b", bundle(ns).toString(), "x").stderr())
                .contains("unknown namespace type \"pidd\"");
        ObjectNode rlimit = Bundles.config("true");
        ((ObjectNode) rlimit.get("process")).putArray("rlimits").addObject().put("type", "RLIMIT_BOGUS")
                .put("hard", 1).put("soft", 1);
        assertThat(fails("create", "-b", bundle(rlimit).toString(), "x").stderr())
                .contains("unknown rlimit type \"RLIMIT_BOGUS\"");
        ObjectNode ipc = Bundles.config("true");
        ipc.putObject("linux").putArray("namespaces").addObject().put("type", "ipc").put("path", "/proc/self/ns/uts");
        assertThat(fails("create", "-b", bundle(ipc).toString(), "x").stderr())
                .contains("cannot enter the ipc namespace /proc/self/ns/uts").contains("not an ipc namespace");
        ObjectNode cgroup = Bundles.config("true");
        cgroup.putObject("linux").putArray("namespaces").addObject().put("type", "cgroup")
                .put("path", "/proc/self/ns/net");
        assertThat(fails("create", "-b", bundle(cgroup).toString(), "x").stderr())
                .contains("cannot enter the cgroup namespace /proc/self/ns/net").contains("not a cgroup namespace");
    }

    @Test
    void idsOutOfRangeAndOversizedProcessesFailBeforeABoot() throws Exception {
        for (long uid : new long[] {4294967296L, -1}) {
            ObjectNode c = Bundles.config("true");
            ((ObjectNode) c.get("process").get("user")).put("uid", uid);
            assertThat(fails("create", "-b", bundle(c).toString(), "x").stderr()).as("uid " + uid)
                    .contains("process.user.uid must be an id from 0 to 2147483647");
        }
        ObjectNode env = Bundles.config("true");
        ((ArrayNode) env.get("process").get("env")).add("BIG=" + "x".repeat(1 << 20));
        assertThat(fails("create", "-b", bundle(env).toString(), "x").stderr())
                .contains("process.args and process.env take").contains("fit the guest agent's requests");
        ObjectNode huge = Bundles.config("true");
        huge.put("padding", "x".repeat(5 << 20));
        assertThat(fails("create", "-b", bundle(huge).toString(), "x").stderr()).contains("Hull reads at most 4194304");
    }

    @Test
    void aPidFileInAMissingFolderFailsBeforeAnythingIsMade() throws Exception {
        Path b = bundle(Bundles.config("sleep", "1000"));
        Path pidFile = dir.resolve("no/such/folder/pid");
        assertThat(fails("create", "--pid-file", pidFile.toString(), "-b", b.toString(), "pf").stderr())
                .contains("--pid-file " + pidFile).contains("does not exist");
        assertThat(fails("run", "-d", "--pid-file", pidFile.toString(), "-b", b.toString(), "pf").stderr())
                .contains("does not exist");
        assertThat(hull.run("state", "pf").code()).isEqualTo(1);
    }

    @Test
    void aBrokenStateFileHidesNoOtherContainerAndDeleteForceRemovesIt() throws Exception {
        Path b = bundle(Bundles.config("sleep", "1000"));
        hull.run("run", "-d", "-b", b.toString(), "good").assertOk();
        hull.run("run", "-d", "-b", b.toString(), "broken").assertOk();
        Files.writeString(hull.root().resolve("broken/state.json"), "{\"id\": \"broken\", \"sta");
        Result list = hull.run("list", "-q");
        assertThat(list.code()).isZero();
        assertThat(list.stdout()).isEqualTo("good\n");
        assertThat(list.stderr()).contains("broken/state.json");
        assertThat(fails("delete", "broken").stderr()).contains("cannot be read").contains("--force");
        hull.run("delete", "--force", "broken").assertOk();
        assertThat(hull.root().resolve("broken")).doesNotExist();
        assertThat(hull.run("state", "good").assertOk().stdout()).contains("running");
        hull.run("delete", "--force", "good").assertOk();
    }

    @Test
    void aHookThatNeverReadsItsStdinTimesOutAsConfigured() throws Exception {
        ObjectNode c = Bundles.config("true");
        // State with large annotations fills the hook's stdin pipe; the hook never reads it.
        c.putObject("annotations").put("big", "x".repeat(200_000));
        var hook = c.putObject("hooks").putArray("createRuntime").addObject().put("path", "/bin/sleep")
                .put("timeout", 2);
        hook.putArray("args").add("sleep").add("100");
        assertThat(fails("create", "-b", bundle(c).toString(), "hook").stderr())
                .contains("createRuntime hook /bin/sleep timed out after 2 s");
    }

    @Test
    void missingBundle() throws Exception {
        assertThat(fails("create", "-b", dir.resolve("nope").toString(), "x").stderr())
                .contains(dir.resolve("nope").toString()).contains("not a directory");
    }

    @Test
    void configThatIsNotJson() throws Exception {
        Path b = dir.resolve("badjson");
        Files.createDirectories(b);
        Files.writeString(b.resolve("config.json"), "{ \"process\": ");
        assertThat(fails("create", "-b", b.toString(), "x").stderr()).contains("config.json")
                .contains("not a valid OCI config");
    }

    @Test
    void configWithoutProcessOrRoot() throws Exception {
        ObjectNode noProcess = Bundles.config("true");
        noProcess.remove("process");
        assertThat(fails("create", "-b", bundle(noProcess).toString(), "x").stderr()).contains("\"process\"");
        ObjectNode noRoot = Bundles.config("true");
        noRoot.remove("root");
        assertThat(fails("create", "-b", bundle(noRoot).toString(), "x").stderr()).contains("\"root\"");
    }

    @Test
    void missingRootfs() throws Exception {
        ObjectNode c = Bundles.config("true");
        ((ObjectNode) c.get("root")).put("path", "no-such-rootfs");
        assertThat(fails("create", "-b", bundle(c).toString(), "x").stderr()).contains("no-such-rootfs");
    }

    @Test
    void badIds() throws Exception {
        Path b = bundle(Bundles.config("true"));
        for (String id : List.of("", "..", "a/b", "../x", "x".repeat(201))) {
            assertThat(fails("create", "-b", b.toString(), id).stderr()).as("id '%s'", id).contains("container id");
        }
        // The id is checked before anything touches the file system: no lock file outside the root.
        Path outside = Files.createDirectories(dir.resolve("outside"));
        for (String verb : List.of("delete", "kill", "start", "state", "pause")) {
            assertThat(fails(verb, "../outside").stderr()).as(verb).contains("container id");
        }
        try (var left = Files.list(outside)) {
            assertThat(left.toList()).isEmpty();
        }
    }

    @Test
    void duplicateId() throws Exception {
        Path b = bundle(Bundles.config("sleep", "1000"));
        hull.run("create", "-b", b.toString(), "dup").assertOk();
        assertThat(fails("create", "-b", b.toString(), "dup").stderr()).contains("already exists");
        assertThat(hull.run("state", "dup").assertOk().stdout()).contains("created");
        hull.run("delete", "--force", "dup").assertOk();
    }

    @Test
    void unknownSignalAndUnknownContainer() throws Exception {
        Path b = bundle(Bundles.config("sleep", "1000"));
        hull.run("run", "-d", "-b", b.toString(), "sig").assertOk();
        assertThat(fails("kill", "sig", "SIGFOO").stderr()).contains("unknown signal");
        assertThat(fails("kill", "sig", "99").stderr()).contains("unknown signal");
        hull.run("kill", "sig", "9").assertOk();
        hull.run("delete", "--force", "sig").assertOk();
        for (String verb : List.of("state", "start", "kill", "delete")) {
            assertThat(fails(verb, "ghost").stderr()).as(verb).contains("'ghost' does not exist");
        }
    }

    @Test
    void kernelThatDoesNotExist() throws Exception {
        ObjectNode c = Bundles.config("true");
        c.putObject("vm").putObject("kernel").put("path", "/no/such/vmlinux");
        assertThat(fails("create", "-b", bundle(c).toString(), "x").stderr()).contains("/no/such/vmlinux")
                .contains("vm.kernel.path");
    }

    @Test
    void aRootShareHullDoesNotKnow() throws Exception {
        ObjectNode c = Bundles.config("true");
        c.putObject("vm").put("share", "nfs");
        assertThat(fails("create", "-b", bundle(c).toString(), "x").stderr()).contains("vm.share 'nfs'")
                .contains("must be auto, virtiofs or 9p");
        assertThat(hull.run("list", "-q").assertOk().stdout()).isEmpty();
    }

    /** A virtiofsd that cannot run (here: one that exits at once): auto goes over 9p, virtiofs fails cleanly. */
    @Test
    void aVirtiofsdThatCannotRun() throws Exception {
        ObjectNode auto = Bundles.config("sh", "-c", "echo over 9p");
        // Booted (a clone's root is 9p anyway): virtiofsd is what a booted VM starts first.
        auto.putObject("vm").put("virtiofsd", "/bin/false").put("template", "off");
        Result r = hull.run("run", "-b", bundle(auto).toString(), "fallback");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("over 9p\n");
        assertThat(Files.readString(hull.root().resolve("hull.log"))).contains("exited with status 1")
                .contains("the root goes over 9p");

        ObjectNode forced = Bundles.config("true");
        forced.putObject("vm").put("virtiofsd", "/bin/false").put("share", "virtiofs");
        assertThat(fails("create", "-b", bundle(forced).toString(), "x").stderr())
                .contains("virtiofsd for").contains("exited with status 1").contains("\"share\" to \"9p\"");
        assertThat(hull.run("list", "-q").assertOk().stdout()).isEmpty();

        ObjectNode missing = Bundles.config("true");
        missing.putObject("vm").put("virtiofsd", "/no/such/virtiofsd").put("share", "virtiofs");
        assertThat(fails("create", "-b", bundle(missing).toString(), "x").stderr())
                .contains("vm.share virtiofs").contains("/no/such/virtiofsd").contains("vm.virtiofsd");
    }

    @Test
    void qemuThatDiesAtBoot() throws Exception {
        ObjectNode c = Bundles.config("true");
        c.putObject("vm").put("path", "/bin/false");
        assertThat(fails("create", "-b", bundle(c).toString(), "x").stderr()).contains("qemu exited");
    }

    @Test
    void guestThatNeverSaysHello() throws Exception {
        // A kernel that cannot find our agent: hull.share points nowhere and rdinit is a program that sleeps.
        ObjectNode c = Bundles.config("true");
        ObjectNode vm = c.putObject("vm");
        vm.put("bootTimeout", 3);
        vm.put("initrd", sleepingInitrd().toString());
        Result r = fails("create", "-b", bundle(c).toString(), "x");
        assertThat(r.stderr()).contains("did not say hello within");
    }

    private Path sleepingInitrd() throws Exception {
        Path stage = dir.resolve("initrd-stage");
        Files.createDirectories(stage.resolve("bin"));
        Files.copy(TestAssets.busyboxRootfs().resolve("bin/busybox"), stage.resolve("bin/busybox"));
        Files.writeString(stage.resolve("init"), "#!/bin/busybox sh\nexec /bin/busybox sleep 1000\n");
        stage.resolve("init").toFile().setExecutable(true);
        Path img = dir.resolve("sleep.img");
        Process p = new ProcessBuilder("sh", "-c", "find . | cpio -o -H newc > " + img).directory(stage.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor()).isZero();
        return img;
    }

    @Test
    void runtimeErrorsAreTheLastLineOfAJsonLog() throws Exception {
        Path log = dir.resolve("log.json");
        HullCli withLog = new HullCli(dir, "--log", log.toString(), "--log-format", "json");
        Result r = withLog.run("state", "ghost");
        assertThat(r.code()).isEqualTo(1);
        List<String> lines = Files.readAllLines(log);
        var last = Bundles.JSON.readTree(lines.getLast());
        assertThat(last.get("level").asText()).isEqualTo("error");
        assertThat(last.get("msg").asText()).contains("'ghost' does not exist");
        assertThat(last.has("time")).isTrue();
    }
}
