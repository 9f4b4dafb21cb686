package dev.hull.containerd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hull.error.BadInputException;
import dev.hull.error.NotFoundException;
import dev.hull.error.WrongStateException;
import dev.hull.ttrpc.Code;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class TaskServiceTest {
    @Test
    void failuresGetTheCodesContainerdMapsToItsErrors() {
        assertThat(TaskService.failure(new NotFoundException("gone")).code()).isEqualTo(Code.NOT_FOUND);
        assertThat(TaskService.failure(new WrongStateException("running")).code()).isEqualTo(Code.FAILED_PRECONDITION);
        assertThat(TaskService.failure(new BadInputException("bad")).code()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(TaskService.failure(new IOException("boom")).code()).isEqualTo(Code.UNKNOWN);
        var wrapped = TaskService.failure(new ExecutionException(new NotFoundException("process already finished")));
        assertThat(wrapped.code()).isEqualTo(Code.NOT_FOUND);
        assertThat(wrapped.getMessage()).contains("process already finished");
    }
}
