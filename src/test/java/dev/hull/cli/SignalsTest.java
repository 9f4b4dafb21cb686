package dev.hull.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hull.error.BadInputException;
import org.junit.jupiter.api.Test;

class SignalsTest {
    @Test
    void numbersNamesAndSigNamesAllWork() throws Exception {
        assertThat(Signals.parse("9")).isEqualTo(9);
        assertThat(Signals.parse("KILL")).isEqualTo(9);
        assertThat(Signals.parse("SIGKILL")).isEqualTo(9);
        assertThat(Signals.parse("term")).isEqualTo(15);
        assertThat(Signals.parse("10")).isEqualTo(10);
        assertThat(Signals.parse("SIGUSR1")).isEqualTo(10);
        assertThat(Signals.parse("64")).isEqualTo(64);
    }

    @Test
    void unknownSignalsAreRefusedByName() {
        for (String bad : new String[] {"SIGFOO", "0", "65", "", "-9", "99999999999"}) {
            assertThatThrownBy(() -> Signals.parse(bad)).as(bad).isInstanceOf(BadInputException.class)
                    .hasMessageContaining("unknown signal");
        }
    }
}
