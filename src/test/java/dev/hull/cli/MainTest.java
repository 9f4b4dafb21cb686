package dev.hull.cli;

import dev.hull.logging.Log;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import static org.assertj.core.api.Assertions.assertThat;

class MainTest {
    private static final CommandLine.Model.CommandSpec GLOBAL = new CommandLine(Main.syntax().spec()).getCommandSpec();

    @Test
    void theVerbIsTheFirstArgumentAfterTheGlobalOptionsAndTheirValues() {
        assertThat(Main.verb(GLOBAL, new String[] {"state", "x"})).isEqualTo("state");
        assertThat(Main.verb(GLOBAL, new String[] {"--root", "/r", "--log", "/l", "--log-format", "json", "delete",
            "--force", "x"})).isEqualTo("delete");
        assertThat(Main.verb(GLOBAL, new String[] {"--debug", "--systemd-cgroup", "--root=/r", "kill", "x"}))
                .isEqualTo("kill");
        assertThat(Main.verb(GLOBAL, new String[] {"--root", "start"})).isNull();
        assertThat(Main.verb(GLOBAL, new String[] {"--nonesuch", "state"})).isNull();
        assertThat(Main.verb(GLOBAL, new String[] {"--help"})).isNull();
        assertThat(Main.verb(GLOBAL, new String[] {})).isNull();
    }

    @Test
    void eachVerbIsRegisteredUnderItsCommandsOwnName() {
        Main.VERBS.forEach((name, verb) -> assertThat(verb.syntax().get().spec().name()).isEqualTo(name));
    }

    @Test
    void helpListsEveryVerb() {
        String help = stdout("--help");
        Main.VERBS.forEach((verb, v) -> {
            if (!v.syntax().get().spec().usageMessage().hidden()) {
                assertThat(help).containsPattern("(?m)^  " + verb + "[ ,]");
            }
        });
        assertThat(help).doesNotContain("shim").contains("--root=DIR").contains("--log-format=FORMAT");
    }

    @Test
    void aVerbsHelpAndTheVersion() {
        assertThat(stdout("exec", "--help")).contains("Usage: hull exec").contains("-e, --env=K=V")
                .contains("COMMAND").doesNotContain("--relay");
        assertThat(stdout("--version")).startsWith("hull version ").contains("commit: ");
        assertThat(stdout("ls", "--help")).contains("Usage: hull list");
    }

    @Test
    void theLineParsesIntoTheTypesTheVerbsDeclared() {
        var cl = new CommandLine(Main.syntax().spec());
        cl.addSubcommand("exec", ExecCommand.syntax().spec());
        cl.getSubcommands().get("exec").setStopAtPositional(true);
        var parsed = cl.parseArgs("--root", "/r", "--debug", "exec", "-e", "A=1", "--env", "B=2", "-g", "5", "-t",
                "c1", "sh", "-c", "--not-an-option");
        Main global = new Main(new Parsed(parsed));
        assertThat(global.root).isEqualTo(Path.of("/r"));
        assertThat(global.debug).isTrue();
        assertThat(global.logFormat).isEqualTo("text");
        Parsed exec = new Parsed(parsed.subcommand());
        assertThat(exec.<String>values("--env")).containsExactly("A=1", "B=2");
        assertThat(exec.<Integer>values("--additional-gids")).containsExactly(5);
        assertThat(exec.flag("--tty")).isTrue();
        assertThat(exec.flag("--detach")).isFalse();
        assertThat(exec.<String>positional(0, null)).isEqualTo("c1");
        assertThat(exec.<String>rest(1)).containsExactly("sh", "-c", "--not-an-option");
    }

    @Test
    void badInputIsAnErrorWithTheUsage() {
        var err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.execute(new String[] {"update", "--pids-limit", "many", "c1"})).isEqualTo(1);
            assertThat(Main.execute(new String[] {"delete"})).isEqualTo(1);
            assertThat(Main.execute(new String[] {"nonesuch"})).isEqualTo(1);
        } finally {
            System.setErr(saved);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'many' is not a long")
                .contains("Missing required parameter: 'ID'").contains("Unmatched argument")
                .contains("Usage: hull update");
    }

    /** runc's checkpoint and restore, with the flags containerd passes: a clear refusal, nothing made. */
    @Test
    void checkpointAndRestoreAreRefusedClearly(@TempDir Path root) {
        var err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.execute(new String[] {"--root", root.toString(), "restore", "--bundle", "/b",
                "--image-path", "/i", "--work-path", "/w", "--detach", "--pid-file", "/p", "--no-subreaper", "c1"}))
                    .isEqualTo(1);
            assertThat(Main.execute(new String[] {"--root", root.toString(), "checkpoint", "--image-path", "/i",
                "--work-path", "/w", "--leave-running", "--tcp-established", "--empty-ns", "network", "c1"}))
                    .isEqualTo(1);
        } finally {
            System.setErr(saved);
        }
        assertThat(err.toString(StandardCharsets.UTF_8).lines().toList()).containsExactly(
                "hull: restore is not supported: " + CheckpointCommand.WHY,
                "hull: container 'c1' does not exist");
        assertThat(root.resolve("c1")).doesNotExist();
    }

    private static String stdout(String... args) {
        var out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.execute(args)).isZero();
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void psShowsAGuestsControlCharactersAsEscapes() {
        assertThat(Log.printable("sh -c \u001b]0;owned\u0007 x\tz")).isEqualTo("sh -c \\x1b]0;owned\\x07 x\\x09z");
        assertThat(Log.printable("sleep 100")).isEqualTo("sleep 100");
    }
}
