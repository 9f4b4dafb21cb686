package dev.hull.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hull.error.BadInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskIoTest {
    @TempDir
    Path dir;

    @Test
    void aFileUriTakesBothOutputsAppended() throws Exception {
        Path log = dir.resolve("logs/c.log");
        Files.createDirectories(log.getParent());
        Files.writeString(log, "before\n");
        try (TaskIo io = TaskIo.open("", "file://" + log, "file://" + log, false)) {
            io.stdio().out().write("out\n".getBytes(StandardCharsets.UTF_8));
            io.stdio().err().write("err\n".getBytes(StandardCharsets.UTF_8));
            assertThat(io.stdio().in().read()).as("no stdin: its end at once").isEqualTo(-1);
        }
        assertThat(Files.readString(log)).isEqualTo("before\nout\nerr\n");
    }

    @Test
    void aFifoOutputOpensWithoutAReaderAndItsReaderSeesTheEnd() throws Exception {
        Path fifo = dir.resolve("out");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        TaskIo io = TaskIo.open(null, fifo.toString(), null, true);
        assertThat(io.stdio().err()).as("a terminal merges stderr into stdout").isNull();
        io.stdio().out().write("x".getBytes(StandardCharsets.UTF_8));
        try (var reader = Files.newInputStream(fifo)) {
            io.close();
            assertThat(reader.readAllBytes()).containsExactly('x');
        }
    }

    @Test
    void closingStdinEndsAReadThatWaitsForTheFifosWriter() throws Exception {
        Path fifo = dir.resolve("in");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        TaskIo io = TaskIo.open(fifo.toString(), null, null, false);
        var read = new CompletableFuture<Integer>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                read.complete(io.stdio().in().read());
            } catch (Exception e) {
                read.completeExceptionally(e);
            }
        });
        Thread.sleep(200);
        assertThat(read).as("waiting for a writer").isNotDone();
        io.closeStdin();
        assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(-1);
    }

    @Test
    void anotherSchemeIsRefusedByName() {
        assertThatThrownBy(() -> TaskIo.open("", "binary:///usr/bin/logger?x=1", "", false))
                .isInstanceOf(BadInputException.class).hasMessageContaining("binary://");
    }
}
