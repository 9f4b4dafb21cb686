package dev.hull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {
    private static final CommandLine.Model.CommandSpec GLOBAL = new CommandLine(new Main()).getCommandSpec();

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
        Main.VERBS.forEach((name, command) ->
                assertThat(new CommandLine(command.get()).getCommandName()).isEqualTo(name));
    }

    @Test
    void helpListsEveryVerb() {
        var out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.execute(new String[] {"--help"})).isZero();
        } finally {
            System.setOut(saved);
        }
        String help = out.toString(StandardCharsets.UTF_8);
        Main.VERBS.forEach((verb, command) -> {
            if (!new CommandLine(command.get()).getCommandSpec().usageMessage().hidden()) {
                assertThat(help).containsPattern("(?m)^  " + verb + "[ ,]");
            }
        });
    }
}
