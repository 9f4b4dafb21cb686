package dev.hull.testing;

import dev.hull.agent.AgentClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The real hull-agent binary in host mode, listening on a unix socket in a temporary folder. */
public final class HostAgent implements AutoCloseable {
    private final Process process;
    private final AgentClient client;

    private HostAgent(Process process, AgentClient client) {
        this.process = process;
        this.client = client;
    }

    public static HostAgent start(Path dir) throws IOException, InterruptedException, TimeoutException {
        Path socket = dir.resolve("agent.sock");
        Process p = new ProcessBuilder(TestAssets.agentBinary().toString(), "--listen", socket.toString(), "--rootfs",
                TestAssets.busyboxRootfs().toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.log").toFile())
                .start();
        try {
            AgentClient c = AgentClient.connect(socket, Duration.ofSeconds(10));
            c.hello(Duration.ofSeconds(5));
            return new HostAgent(p, c);
        } catch (IOException | TimeoutException e) {
            p.destroyForcibly().waitFor();
            throw e;
        }
    }

    public AgentClient client() {
        return client;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public static String log(Path dir) throws IOException {
        Path log = dir.resolve("agent.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Asks the agent to shut down (killing its containers), and makes sure it is gone. */
    @Override
    public void close() throws IOException {
        try {
            if (process.isAlive()) {
                client.shutdown(Duration.ofSeconds(5));
            }
        } catch (IOException | TimeoutException e) {
            // It is killed below either way.
        } finally {
            client.close();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
