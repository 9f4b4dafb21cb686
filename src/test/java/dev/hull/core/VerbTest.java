package dev.hull.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hull.error.WrongStateException;
import dev.hull.state.Status;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every verb against every status: it passes, or it is refused in that verb's one wording. */
class VerbTest {
    private static final Set<Status> UP = EnumSet.of(Status.CREATED, Status.RUNNING, Status.PAUSED);

    /** What each verb allows, and its refusal with %s for the status (runc's rules and, for kill, its words). */
    private record Rule(Set<Status> allowed, String refusal) {
    }

    private static final Map<Verb, Rule> RULES = Map.ofEntries(
            Map.entry(Verb.START, new Rule(EnumSet.of(Status.CREATED),
                    "cannot start container 'c1': it is %s, not created")),
            Map.entry(Verb.KILL, new Rule(UP, "cannot kill container 'c1': container not running")),
            Map.entry(Verb.KILL_ALL, new Rule(EnumSet.of(Status.CREATED, Status.RUNNING, Status.PAUSED, Status.STOPPED),
                    "cannot kill container 'c1': container not running")),
            Map.entry(Verb.PAUSE, new Rule(EnumSet.of(Status.RUNNING),
                    "cannot pause container 'c1': it is %s, not running")),
            Map.entry(Verb.RESUME, new Rule(EnumSet.of(Status.PAUSED),
                    "cannot resume container 'c1': it is %s, not paused")),
            Map.entry(Verb.EXEC, new Rule(EnumSet.of(Status.RUNNING),
                    "cannot exec in container 'c1': it is %s, not running")),
            Map.entry(Verb.WAIT_EXEC, new Rule(UP,
                    "cannot wait for an exec in container 'c1': it is %s, not running")),
            Map.entry(Verb.UPDATE, new Rule(UP, "cannot update container 'c1': it is %s, not running")),
            Map.entry(Verb.PS, new Rule(UP, "cannot list the processes of container 'c1': it is %s, not running")),
            Map.entry(Verb.STATS, new Rule(UP,
                    "cannot read the statistics of container 'c1': it is %s, not running")),
            Map.entry(Verb.DELETE, new Rule(EnumSet.of(Status.CREATING, Status.CREATED, Status.STOPPED),
                    "cannot delete container 'c1' that is %s: stop it first or use --force")),
            Map.entry(Verb.DELETE_FORCE, new Rule(EnumSet.allOf(Status.class), "")));

    static Stream<Arguments> everyVerbAndStatus() {
        return Stream.of(Verb.values()).flatMap(v -> Stream.of(Status.values()).map(s -> Arguments.of(v, s)));
    }

    @ParameterizedTest(name = "{0} of a {1} container")
    @MethodSource("everyVerbAndStatus")
    void passesOrIsRefusedInItsOneWording(Verb verb, Status status) throws Exception {
        Rule rule = RULES.get(verb);
        assertThat(rule).as("a rule for %s", verb).isNotNull();
        if (rule.allowed().contains(status)) {
            verb.check("c1", status);
            assertThat(verb.allows(status)).isTrue();
        } else {
            assertThatThrownBy(() -> verb.check("c1", status)).isInstanceOf(WrongStateException.class)
                    .hasMessage(rule.refusal().formatted(status.json()));
            assertThat(verb.allows(status)).isFalse();
        }
    }

    @Test
    void theFlagsPickTheVerb() {
        assertThat(Verb.kill(true)).isEqualTo(Verb.KILL_ALL);
        assertThat(Verb.kill(false)).isEqualTo(Verb.KILL);
        assertThat(Verb.delete(true)).isEqualTo(Verb.DELETE_FORCE);
        assertThat(Verb.delete(false)).isEqualTo(Verb.DELETE);
    }
}
