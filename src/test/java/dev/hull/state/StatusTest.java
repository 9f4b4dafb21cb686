package dev.hull.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** runc's rules for which verb each status allows, as the CLI and the shim both apply them. */
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
    void onlyACreatedContainerStarts() {
        assertThat(allowing(Status::canStart)).containsExactly(Status.CREATED);
    }

    @Test
    void killSignalsAContainerThatIsUpAndKillAllOfAStoppedOneSucceedsWithNothingToDo() {
        assertThat(allowing(Status::isUp)).containsExactly(Status.CREATED, Status.RUNNING, Status.PAUSED);
        assertThat(allowing(s -> s.canKill(false))).containsExactly(Status.CREATED, Status.RUNNING, Status.PAUSED);
        assertThat(allowing(s -> s.canKill(true)))
                .containsExactly(Status.CREATED, Status.RUNNING, Status.PAUSED, Status.STOPPED);
    }

    @Test
    void aRunningOrPausedContainerIsDeletedOnlyByForce() {
        assertThat(allowing(s -> s.canDelete(false))).containsExactly(Status.CREATING, Status.CREATED, Status.STOPPED);
        assertThat(allowing(s -> s.canDelete(true))).containsExactly(Status.values());
    }

    @Test
    void pauseAndExecNeedARunningContainerAndResumeAPausedOne() {
        assertThat(allowing(Status::canPause)).containsExactly(Status.RUNNING);
        assertThat(allowing(Status::canExec)).containsExactly(Status.RUNNING);
        assertThat(allowing(Status::canResume)).containsExactly(Status.PAUSED);
    }

    @Test
    void everyStatusButStoppedIsLive() {
        assertThat(allowing(Status::isLive))
                .containsExactly(Status.CREATING, Status.CREATED, Status.RUNNING, Status.PAUSED);
    }
}
