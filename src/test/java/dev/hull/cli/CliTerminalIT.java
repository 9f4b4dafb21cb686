package dev.hull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullTest;
import dev.hull.testing.ConsoleSocket;
import dev.hull.testing.HullCli;
import dev.hull.testing.Tmux;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An interactive container under a real terminal (tmux): typing, window size, Ctrl-C, exit status. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliTerminalIT extends HullTest {
    private static final Duration T = Duration.ofSeconds(30);

    @Test
    void interactiveRunRoundTripResizeAndCtrlC() throws Exception {
        HullCli hull = new HullCli(dir);
        ObjectNode config = Bundles.config("sh");
        ((ObjectNode) config.get("process")).put("terminal", true);
        Path bundle = Bundles.write(dir.resolve("b"), config);
        Path exit = dir.resolve("exit");
        String command = String.join(" ", hull.command("run", "-b", bundle.toString(), "tty1"))
                + "; echo $? > " + exit + ".tmp; mv " + exit + ".tmp " + exit + "; sleep 60";
        try (Tmux tmux = new Tmux("hull-" + ProcessHandle.current().pid(), 80, 24, command)) {
            tmux.await("^/ #", T);
            tmux.type("echo $((6*7))");
            tmux.keys("Enter");
            tmux.await("^42$", T);

            // The new size travels CLI -> shim -> agent; ask again until it has arrived.
            tmux.resize(100, 30);
            long resized = System.nanoTime() + T.toNanos();
            while (true) {
                tmux.type("stty size");
                tmux.keys("Enter");
                try {
                    tmux.await("^30 100$", Duration.ofSeconds(2));
                    break;
                } catch (AssertionError notYet) {
                    if (System.nanoTime() > resized) {
                        throw notYet;
                    }
                }
            }

            // Ctrl-C only once the sleep runs: earlier, it would discard the typed line instead.
            tmux.type("sleep 100");
            tmux.keys("Enter");
            long started = System.nanoTime() + T.toNanos();
            while (!hull.run("ps", "tty1").stdout().contains("sleep 100") && System.nanoTime() < started) {
                Thread.sleep(100);
            }
            tmux.keys("C-c");
            tmux.type("echo status $?");
            tmux.keys("Enter");
            tmux.await("^status 130$", T);

            tmux.type("exit 3");
            tmux.keys("Enter");
            long end = System.nanoTime() + T.toNanos();
            while (!Files.exists(exit) && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            assertThat(Files.readString(exit).strip()).isEqualTo("3");
        }
    }

    @Test
    void consoleSocketReceivesTheMasterOfAWorkingTerminal() throws Throwable {
        HullCli hull = new HullCli(dir);
        ObjectNode config = Bundles.config("sh");
        ((ObjectNode) config.get("process")).put("terminal", true);
        Path bundle = Bundles.write(dir.resolve("b"), config);
        Path sock = dir.resolve("console.sock");
        try (ConsoleSocket console = new ConsoleSocket(sock)) {
            hull.run("create", "--console-socket", sock.toString(), "-b", bundle.toString(), "cs").assertOk();
            console.master();
            hull.run("start", "cs").assertOk();
            console.write("echo $((6*7)); tty\r");
            String seen = console.readUntil("/dev/pts/");
            assertThat(seen).contains("42");
            console.write("exit 4\r");
            long end = System.nanoTime() + T.toNanos();
            while (!hull.run("state", "cs").stdout().contains("stopped") && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            hull.run("delete", "cs").assertOk();
        }
    }

    @Test
    void execWithATerminal() throws Throwable {
        HullCli hull = new HullCli(dir);
        hull.run("run", "-d", "-b", Bundles.of(dir.resolve("b"), "sleep", "1000").toString(), "ex").assertOk();
        Path exit = dir.resolve("exit");
        String command = String.join(" ", hull.command("exec", "-t", "ex", "sh")) + "; echo $? > " + exit
                + ".tmp; mv " + exit + ".tmp " + exit + "; sleep 60";
        try (Tmux tmux = new Tmux("hull-x" + ProcessHandle.current().pid(), 90, 20, command)) {
            tmux.await("^/ #", T);
            tmux.type("tty; stty size");
            tmux.keys("Enter");
            tmux.await("^/dev/pts/\\d+\\s*\\n20 90$", T);
            tmux.type("exit 6");
            tmux.keys("Enter");
            long end = System.nanoTime() + T.toNanos();
            while (!Files.exists(exit) && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            assertThat(Files.readString(exit).strip()).isEqualTo("6");
        }
        Path sock = dir.resolve("exec-console.sock");
        try (ConsoleSocket console = new ConsoleSocket(sock)) {
            var r = hull.run("exec", "--tty", "--console-socket", sock.toString(), "ex", "sh", "-c",
                    "echo on $(tty); exit 2");
            assertThat(r.code()).isEqualTo(2);
            assertThat(console.readUntil("on /dev/pts/")).contains("on /dev/pts/");
        }
        hull.run("delete", "-f", "ex").assertOk();
    }

    @Test
    void aDetachedTerminalNeedsAConsoleSocket() throws Exception {
        HullCli hull = new HullCli(dir);
        ObjectNode config = Bundles.config("sh");
        ((ObjectNode) config.get("process")).put("terminal", true);
        var r = hull.run("create", "-b", Bundles.write(dir.resolve("b"), config).toString(), "tty2");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.stderr()).contains("--console-socket");
    }
}
