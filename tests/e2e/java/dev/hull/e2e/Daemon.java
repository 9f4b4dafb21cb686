package dev.hull.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A container daemon (containerd, dockerd) a test starts with its own folders and socket, and stops. */
final class Daemon implements AutoCloseable {
    private final Process process;
    private final Path log;

    private Daemon(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static Daemon start(List<String> command, Path socket, Path log, Duration ready) throws Exception {
        return start(command, Map.of(), socket, log, ready);
    }

    /** The same, with {@code environment} added to (or replacing entries of) this JVM's. */
    static Daemon start(List<String> command, Map<String, String> environment, Path socket, Path log,
            Duration ready) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        Process p = builder.start();
        long end = System.nanoTime() + ready.toNanos();
        while (!Files.exists(socket)) {
            if (!p.isAlive() || System.nanoTime() > end) {
                p.destroyForcibly();
                throw new IOException(command.getFirst() + " did not start: " + Files.readString(log));
            }
            Thread.sleep(100);
        }
        Thread.sleep(500);
        return new Daemon(p, log);
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
        }
    }
}
