package dev.hull.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Which statuses are live and which have a shim that serves verbs (the verbs' rules: core/VerbTest). */
class StatusTest {
    private static EnumSet<Status> allowing(Predicate<Status> rule) {
        EnumSet<Status> out = EnumSet.noneOf(Status.class);
        for (Status s : Status.values()) {
            if (rule.test(s)) {
                out.add(s);
            }
        }
        return out;
    }

    @Test
    void aContainerIsUpWhileItsShimServesVerbs() {
        assertThat(allowing(Status::isUp)).containsExactly(Status.CREATED, Status.RUNNING, Status.PAUSED);
    }

    @Test
    void everyStatusButStoppedIsLive() {
        assertThat(allowing(Status::isLive))
                .containsExactly(Status.CREATING, Status.CREATED, Status.RUNNING, Status.PAUSED);
    }
}
