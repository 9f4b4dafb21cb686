package dev.hull.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.sys.Host;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullCli.Result;
import dev.hull.testing.HullTest;
import dev.hull.testing.TestAssets;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.assertj.core.api.Assertions.assertThat;

/** The runc command line against real VMs (qemu, TCG, the Hull guest). */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliLifecycleIT extends HullTest {
    @AfterEach
    void noSocketsLeftBehind() throws Exception {
        try (var files = Files.walk(hull.root())) {
            assertThat(files.filter(p -> p.toString().endsWith(".sock")).toList()).as("sockets left behind").isEmpty();
        }
    }

    private Path bundle(String... args) throws Exception {
        return Bundles.of(dir.resolve("bundle-" + System.nanoTime()), args);
    }

    @Test
    void runPrintsFromInsideTheVmAndExitsZero() throws Exception {
        Result r = hull.run("run", "--bundle", bundle("sh", "-c", "echo hi; uname -r").toString(), "c1");
        assertThat(r.code()).isZero();
        assertThat(r.stdout()).startsWith("hi\n").contains("-hull");
        assertThat(hull.run("state", "c1").code()).as("run removes the container").isEqualTo(1);
    }

    /** A container that ends well leaves no error in the log (virtiofsd's end during the power-off was one). */
    @Test
    void aCleanRunLogsNoError() throws Exception {
        for (int i = 0; i < 3; i++) {
            hull.run("run", "--bundle", bundle("true").toString(), "clean" + i).assertOk();
        }
        Thread.sleep(1500);
        assertThat(Files.readAllLines(hull.root().resolve("hull.log")))
                .filteredOn(line -> line.contains("level=error")).isEmpty();
    }

    /** With 2>&1 the workload's stdout and stderr are one open file, and their lines keep its order. */
    @Test
    void runWithStderrToStdoutKeepsTheOrderOfTheLines() throws Exception {
        Path out = dir.resolve("both.txt");
        String run = String.join(" ", hull.command("run", "-b", bundle("sh", "-c",
                "for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done").toString(), "c1"));
        Process p = new ProcessBuilder("sh", "-c", run + " > " + out + " 2>&1")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(out))
                .isEqualTo("out1\nerr1\nout2\nerr2\nout3\nerr3\nout4\nerr4\nout5\nerr5\n");
    }

    /** docker sets these two for every container; a non-root workload then binds port 80 as with runc. */
    @Test
    void sysctlsAreSetInTheContainersNamespaces() throws Exception {
        var config = Bundles.config("sh", "-c", "cat /proc/sys/net/ipv4/ip_unprivileged_port_start"
                + " /proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/msgmax; httpd -p 80 -h / && echo bound");
        ((ObjectNode) config.get("process").get("user")).put("uid", 1000)
                .put("gid", 1000);
        var sysctl = config.putObject("linux").putObject("sysctl").put("net.ipv4.ip_unprivileged_port_start", "0")
                .put("net.ipv4.ping_group_range", "0 2147483647").put("kernel.msgmax", "4242");
        Result r = hull.run("run", "-b", Bundles.write(dir.resolve("sysctl"), config).toString(), "s1");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("0\n0\t2147483647\n4242\nbound\n");

        sysctl.put("net.nonesuch", "1");
        Result bad = hull.run("run", "-b", Bundles.write(dir.resolve("sysctl"), config).toString(), "s2");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.stderr()).contains("linux.sysctl \"net.nonesuch\"").contains("No such file");
    }

    @Test
    void runExitsWithTheWorkloadsCode() throws Exception {
        assertThat(hull.run("run", "-b", bundle("sh", "-c", "exit 42").toString(), "c1").code()).isEqualTo(42);
    }

    @Test
    void killMinusNineGives137AndStateStopped() throws Exception {
        Path out = dir.resolve("run.out");
        Process run = hull.start(null, out, dir.resolve("run.err"), "run", "--keep", "-b",
                bundle("sleep", "1000").toString(), "k1");
        awaitStatus("k1", "running");
        hull.run("kill", "k1", "KILL").assertOk();
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).isEqualTo(137);
        assertThat(status("k1")).isEqualTo("stopped");
        hull.run("delete", "k1").assertOk();
    }

    /**
     * The workload is PID 1 of its pid namespace, as under runc: {@code $$} is 1, /proc/1/cmdline is its own,
     * a SIGTERM it has no handler for is ignored, from inside as from {@code hull kill} (a manager then
     * escalates), and KILL ends it with 137.
     */
    @Test
    void theWorkloadIsPid1AndIgnoresATermItHasNoHandlerFor() throws Exception {
        Path out = dir.resolve("p1.out");
        Process run = hull.start(null, out, dir.resolve("p1.err"), "run", "--keep", "-b", bundle("sh", "-c",
                "echo pid $$; kill -TERM 1; echo survived; while true; do sleep 1; done").toString(), "p1");
        awaitStatus("p1", "running");
        waitFor(Duration.ofSeconds(30), () -> Files.readString(out).contains("survived"));
        assertThat(Files.readString(out)).startsWith("pid 1\nsurvived\n");
        assertThat(hull.run("exec", "p1", "cat", "/proc/1/cmdline").assertOk().stdout())
                .startsWith("sh\0-c\0echo pid $$;");
        hull.run("kill", "p1", "TERM").assertOk();
        assertThat(run.waitFor(3, TimeUnit.SECONDS)).as("TERM without a handler is ignored").isFalse();
        assertThat(status("p1")).isEqualTo("running");
        hull.run("kill", "p1", "KILL").assertOk();
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).isEqualTo(137);
        hull.run("delete", "p1").assertOk();
    }

    @Test
    void createWritesThePidFileAndStateSaysCreated() throws Exception {
        Path pidFile = dir.resolve("pid");
        Result created = hull.run(null, Duration.ofSeconds(120), "create", "--bundle",
                bundle("sleep", "3").toString(), "--pid-file", pidFile.toString(), "life");
        created.assertOk();
        assertThat(status("life")).isEqualTo("created");
        String pid = Files.readString(pidFile);
        assertThat(pid).doesNotContain("\n").matches("[0-9]+");
        assertThat(ProcessHandle.of(Long.parseLong(pid))).isPresent();
        var state = Bundles.JSON.readTree(hull.run("state", "life").assertOk().stdout());
        assertThat(state.get("pid").asLong()).isEqualTo(Long.parseLong(pid));
        assertThat(state.get("id").asText()).isEqualTo("life");
        assertThat(state.get("ociVersion").asText()).isNotEmpty();

        hull.run("delete", "life").assertOk();
        // Ended: gone, or a zombie until its parent (here the machine's init, which reaps lazily) reaps it.
        assertThat(Host.running(Long.parseLong(pid))).as("the shim ended").isFalse();
    }

    @Test
    void lifecycleThroughRunningAndStopped() throws Exception {
        hull.run("create", "-b", bundle("sleep", "3").toString(), "life").assertOk();
        assertThat(status("life")).isEqualTo("created");
        hull.run("start", "life").assertOk();
        assertThat(status("life")).isEqualTo("running");
        Result refused = hull.run("delete", "life");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.stderr()).contains("running");
        awaitStatus("life", "stopped");
        hull.run("delete", "life").assertOk();
        Result gone = hull.run("state", "life");
        assertThat(gone.code()).isEqualTo(1);
        assertThat(gone.stderr()).contains("does not exist");
        assertThat(Files.exists(hull.root().resolve("life"))).isFalse();
    }

    @Test
    void fiftyMegabytesOfStdoutArriveIntact() throws Exception {
        Result r = hull.run("run", "-b", bundle("seq", "1", "6500000").toString(), "big");
        assertThat(r.code()).isZero();
        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= 6_500_000; i++) {
            expected.append(i).append('\n');
        }
        assertThat(r.stdout().length()).isEqualTo(expected.length()).isGreaterThan(50_000_000);
        assertThat(r.stdout().equals(expected.toString())).isTrue();
    }

    @Test
    void stdinIsPipedThroughCatAndEndsOnEof() throws Exception {
        byte[] data = new byte[4 * 1024 * 1024];
        new Random(7).nextBytes(data);
        Path in = dir.resolve("stdin.bin");
        Files.write(in, data);
        Path out = dir.resolve("cat.out");
        Process run = hull.start(in, out, dir.resolve("cat.err"), "run", "-b", bundle("cat").toString(), "cat");
        assertThat(run.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).isZero();
        byte[] got = Files.readAllBytes(out);
        assertThat(got.length).isEqualTo(data.length);
        assertThat(MessageDigest.getInstance("SHA-256").digest(got))
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @Test
    void runDetachedWritesTheShimPid() throws Exception {
        Path pidFile = dir.resolve("run.pid");
        hull.run("run", "-d", "--pid-file", pidFile.toString(), "-b", bundle("sleep", "1000").toString(), "d1")
                .assertOk();
        long pid = Long.parseLong(Files.readString(pidFile));
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);
        assertThat(status("d1")).isEqualTo("running");
        assertThat(Bundles.JSON.readTree(hull.run("state", "d1").stdout()).get("pid").asLong()).isEqualTo(pid);
        hull.run("delete", "--force", "d1").assertOk();
        assertThat(Host.running(pid)).as("the shim ended").isFalse();
    }

    @Test
    void aShimThatEndsAtOnceStillHandsItsStatusToTheReaper() throws Exception {
        Path pidFile = dir.resolve("shim.pid");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.hull.testing.ReapShim", pidFile.toString(), "--"));
        cmd.addAll(hull.command("run", "-d", "--pid-file", pidFile.toString(), "-b",
                bundle("sh", "-c", "exit 9").toString(), "fast"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("exited 9");
        hull.run("delete", "fast").assertOk();
    }

    @Test
    void theDetachedShimExitsWithTheWorkloadsStatus() throws Exception {
        Path pidFile = dir.resolve("shim.pid");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.hull.testing.ReapShim", pidFile.toString(), "--"));
        cmd.addAll(hull.command("create", "--pid-file", pidFile.toString(), "-b",
                bundle("sh", "-c", "exit 7").toString(), "st"));
        cmd.add("--");
        cmd.addAll(hull.command("start", "st"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("exited 7");
        assertThat(status("st")).isEqualTo("stopped");
        hull.run("delete", "st").assertOk();
    }
    /**
     * A file capability of the image (Debian's ping has cap_net_raw+ep) lets a non-root user do what
     * it grants, as with runc: the root goes over virtio-fs with its extended attributes. The same
     * binary without the capability is refused.
     */
    @Test
    void aFileCapabilityOfTheImageWorksForANonRootUser() throws Exception {
        Path rootfs = dir.resolve("caps-rootfs");
        assertThat(new ProcessBuilder("cp", "-a", TestAssets.busyboxRootfs().toString(), rootfs.toString())
                .inheritIO().start().waitFor()).isZero();
        Files.createDirectories(rootfs.resolve("opt"));
        Files.copy(rootfs.resolve("bin/busybox"), rootfs.resolve("opt/ping"));
        assertThat(new ProcessBuilder("setcap", "cap_net_raw+ep", rootfs.resolve("opt/ping").toString())
                .inheritIO().start().waitFor()).isZero();
        var config = Bundles.config("sh", "-c", "/opt/ping -c1 -W5 127.0.0.1 >/dev/null && echo with;"
                + " /bin/ping -c1 -W5 127.0.0.1 >/dev/null 2>&1 || echo without");
        ((ObjectNode) config.get("process").get("user")).put("uid", 1000)
                .put("gid", 1000);
        ((ObjectNode) config.get("root")).put("path", rootfs.toString());
        // Booted, its root over virtio-fs: a clone's root is 9p, whose qemu server passes no security.* xattr.
        config.putObject("vm").put("template", "off");
        Result r = hull.run("run", "-b", Bundles.write(dir.resolve("b"), config).toString(), "caps");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("with\nwithout\n");
    }
}
