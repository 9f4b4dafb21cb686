package dev.hull.agent;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The host's end of one process's stdio: the stream ids to put in create/exec, the stdin to write to,
 * and a way to wait until all output has reached its sinks.
 */
public final class ProcessStreams {
    private final Stdio wire;
    private final StdinStream stdin;
    private final List<OutputRelay> outputs;

    ProcessStreams(Stdio wire, StdinStream stdin, List<OutputRelay> outputs) {
        this.wire = wire;
        this.stdin = stdin;
        this.outputs = List.copyOf(outputs);
    }

    public Stdio wire() {
        return wire;
    }

    /** The process's stdin, or null when it has none. */
    public StdinStream stdin() {
        return stdin;
    }

    /** Copies {@code source} to the process's stdin on a thread of its own, then closes stdin. */
    public Thread pumpStdin(InputStream source) {
        return Thread.ofPlatform().daemon().name("hull-in-" + stdin.streamId()).start(() -> {
            try (stdin; source) {
                source.transferTo(stdin);
            } catch (IOException ignored) {
                // The process or the connection went away; nothing is left to write to.
            }
        });
    }

    /**
     * Closes the output sinks (after {@link #awaitOutput}): an exec's sinks are the caller's own pipes, whose
     * reader sees their end only when no copy of their write end is left open here.
     */
    public void closeSinks() {
        outputs.forEach(OutputRelay::closeSink);
    }

    /** Completes once every output stream has ended and its bytes are in its sink. */
    public CompletableFuture<Void> outputDone() {
        return CompletableFuture.allOf(outputs.stream().map(OutputRelay::done).toArray(CompletableFuture[]::new));
    }

    /** Waits until every output stream has ended and its bytes are in its sink. */
    public void awaitOutput(Duration timeout) throws IOException, TimeoutException {
        CompletableFuture<?> all = CompletableFuture.allOf(
                outputs.stream().map(OutputRelay::done).toArray(CompletableFuture[]::new));
        try {
            all.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for output", e);
        } catch (ExecutionException e) {
            throw new IOException("output relay failed", e.getCause());
        }
    }
}
