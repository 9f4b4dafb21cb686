package dev.hull.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullCli.Result;
import dev.hull.testing.HullTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.assertj.core.api.Assertions.assertThat;

/** runc's exec against a container in a real VM. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliExecIT extends HullTest {
    @BeforeEach
    void startContainer() throws Exception {
        var config = Bundles.config("sleep", "1000");
        ((ArrayNode) config.at("/process/env")).add("FROM_CONFIG=yes");
        hull.run("run", "-d", "-b", Bundles.write(dir.resolve("b"), config).toString(), "x").assertOk();
    }

    @AfterEach
    void deleteContainer() throws Exception {
        hull.run("delete", "--force", "x");
    }

    /**
     * docker runs a health check as an exec every 30 s, with a stdin pipe it may never close: once each
     * process has ended, the shim holds nothing of its caller's stdin (it did, with a thread blocked
     * reading it, one per exec until the container ended).
     */
    @Test
    void anExecWhoseStdinStaysOpenLeavesNothingOpenInTheShim() throws Exception {
        long shim = Bundles.JSON.readTree(hull.run("state", "x").assertOk().stdout()).get("pid").asLong();
        Path fds = Path.of("/proc", Long.toString(shim), "fd");
        hull.run("exec", "x", "true").assertOk();
        long before = count(fds);
        while (true) {
            Thread.sleep(500);
            long settled = count(fds);
            if (settled == before) {
                break;
            }
            before = settled;
        }
        long open = before;
        // A FIFO this test holds open for writing: each exec's stdin, never at its end.
        Path fifo = dir.resolve("stdin.fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        try (var writer = FileChannel.open(fifo, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            for (int i = 0; i < 3; i++) {
                assertThat(hull.run(fifo, Duration.ofSeconds(60), "exec", "x", "true").code()).isZero();
            }
            waitFor(Duration.ofSeconds(10), () -> count(fds) <= open);
        }
    }

    /**
     * An exec that fails (no such program) lets go of the caller's output: a reader of its pipe sees the
     * end as the CLI exits, as with runc (the shim kept its copy, and `hull exec x nope | cat` never ended).
     */
    @Test
    void aFailedExecLetsGoOfTheCallersPipe() throws Exception {
        Process exec = new ProcessBuilder(hull.command("exec", "x", "no-such-command")).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        var output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(exec.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertThat(exec.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(exec.exitValue()).isEqualTo(1);
        assertThat(output.get(30, TimeUnit.SECONDS)).as("the pipe reaches its end").contains("no-such-command");
    }

    private static long count(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.count();
        }
    }

    /**
     * The exec'd process writes to the caller's own open file, as an inherited fd does: a script's
     * report keeps what the script wrote before and after the exec, in order, and with 2>&1 the
     * process's stdout and stderr lines stay in the order it wrote them.
     */
    @Test
    void execWritesToTheCallersOpenFileNotACopyOfIt() throws Exception {
        Path out = dir.resolve("report.txt");
        String exec = String.join(" ", hull.command("exec", "x", "sh", "-c",
                "'for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done'"));
        Process p = new ProcessBuilder("sh", "-c", "{ echo before; " + exec + "; echo after; } > " + out + " 2>&1")
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(out))
                .isEqualTo("before\nout1\nerr1\nout2\nerr2\nout3\nerr3\nout4\nerr4\nout5\nerr5\nafter\n");

        // The shim's copy of a pipe's write end is closed with the process: the reader sees its end.
        Process piped = new ProcessBuilder("sh", "-c", String.join(" ", hull.command("exec", "x", "echo", "piped"))
                + " | cat").redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        assertThat(piped.waitFor(60, TimeUnit.SECONDS)).as("the pipe's reader got its end").isTrue();
        assertThat(new String(piped.getInputStream().readAllBytes())).isEqualTo("piped\n");
    }

    @Test
    void execReturnsTheProcessesExitCodeAndRelaysItsStreams() throws Exception {
        for (int code : new int[] {0, 1, 42}) {
            Result r = hull.run("exec", "x", "sh", "-c", "echo out; echo err >&2; exit " + code);
            assertThat(r.code()).isEqualTo(code);
            assertThat(r.stdout()).isEqualTo("out\n");
            assertThat(r.stderr()).isEqualTo("err\n");
        }
    }

    @Test
    void execSeesTheContainerAndTheCommandLinesChanges() throws Exception {
        Result r = hull.run("exec", "-e", "EXTRA=1", "--cwd", "/tmp", "--user", "1000:1000", "x", "sh", "-c",
                "echo $FROM_CONFIG $EXTRA $(pwd) $(id -u):$(id -g) $(hostname); ps");
        assertThat(r.code()).isZero();
        assertThat(r.stdout()).startsWith("yes 1 /tmp 1000:1000 hull-test\n").contains("sleep 1000");
    }

    @Test
    void stdinReachesTheExecdProcess() throws Exception {
        Path in = dir.resolve("in.txt");
        Files.writeString(in, "hello through exec\n");
        Result r = hull.run(in, Duration.ofSeconds(60), "exec", "x", "cat");
        assertThat(r.code()).isZero();
        assertThat(r.stdout()).isEqualTo("hello through exec\n");
    }

    @Test
    void detachedExecsPidFileNamesAProcessThatEndsWithItsStatus() throws Exception {
        Path pidFile = dir.resolve("exec.pid");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.hull.testing.ReapShim", pidFile.toString(), "--"));
        // No sleep: the process ends at once, racing the CLI that started its relay (conmon's case).
        cmd.addAll(hull.command("exec", "--detach", "--pid-file", pidFile.toString(), "x", "sh", "-c", "exit 7"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("exited 7");
    }

    /**
     * The pid in a detached exec's --pid-file stands for the process: SIGKILLed (containerd's ExecSync timeout,
     * conmon's), the process in the guest goes with it, as it would under runc, where that pid is the process.
     */
    @Test
    void killingADetachedExecsPidEndsItsProcessInTheGuest() throws Exception {
        Path pidFile = dir.resolve("exec.pid");
        hull.run("exec", "--detach", "--pid-file", pidFile.toString(), "x", "sleep", "4242").assertOk();
        assertThat(hull.run("exec", "x", "ps").assertOk().stdout()).contains("sleep 4242");
        ProcessHandle relay = ProcessHandle.of(Long.parseLong(Files.readString(pidFile))).orElseThrow();
        assertThat(relay.destroyForcibly()).isTrue();
        waitFor(Duration.ofSeconds(30), () -> !hull.run("exec", "x", "ps").assertOk().stdout().contains("sleep 4242"));
    }

    /** TERM to the pid of a detached exec ends its process too (runc would pass it on: docs/architecture.md). */
    @Test
    void aTermToADetachedExecsPidEndsItsProcess() throws Exception {
        Path pidFile = dir.resolve("exec.pid");
        hull.run("exec", "--detach", "--pid-file", pidFile.toString(), "x", "sh", "-c",
                "echo > /ready; exec sleep 4343").assertOk();
        waitFor(Duration.ofSeconds(30), () -> hull.run("exec", "x", "cat", "/ready").code() == 0);
        ProcessHandle relay = ProcessHandle.of(Long.parseLong(Files.readString(pidFile))).orElseThrow();
        assertThat(relay.destroy()).isTrue();
        waitFor(Duration.ofSeconds(30), () -> !relay.isAlive());
        // The relay (a JVM) dies of TERM, and with it its process: not passed on as runc's is (docs).
        waitFor(Duration.ofSeconds(30), () -> !hull.run("exec", "x", "ps").assertOk().stdout().contains("sleep 4343"));
    }

    @Test
    void execIntoAStoppedOrUnknownContainerIsAClearError() throws Exception {
        Result unknown = hull.run("exec", "nope", "true");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.stderr()).contains("'nope' does not exist");
        Result missing = hull.run("exec", "x", "no-such-command");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.stderr()).contains("no-such-command");
        hull.run("kill", "x", "KILL").assertOk();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!hull.run("state", "x").stdout().contains("stopped") && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        Result stopped = hull.run("exec", "x", "true");
        assertThat(stopped.code()).isEqualTo(1);
        assertThat(stopped.stderr()).contains("not running");
    }
}
