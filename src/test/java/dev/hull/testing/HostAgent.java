package dev.hull.testing;

import dev.hull.agent.AgentClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    /** An agent whose containers share the busybox root: they must not write to it (it is their root, read-write). */
    public static HostAgent start(Path dir) throws IOException, InterruptedException, TimeoutException {
        return start(dir, TestAssets.busyboxRootfs(), null);
    }

    /** An agent whose containers get {@code rootfs} as their root (read-write: their writes land there). */
    public static HostAgent start(Path dir, Path rootfs) throws IOException, InterruptedException, TimeoutException {
        return start(dir, rootfs, null);
    }

    /** As {@link #start(Path, Path)}, with each container's cgroup made under {@code cgroupRoot} (cgroup v2). */
    public static HostAgent start(Path dir, Path rootfs, Path cgroupRoot)
            throws IOException, InterruptedException, TimeoutException {
        Path socket = dir.resolve("agent.sock");
        var command = new ArrayList<>(List.of(TestAssets.agentBinary().toString(), "--listen",
                socket.toString(), "--rootfs", rootfs.toString()));
        if (cgroupRoot != null) {
            command.addAll(List.of("--cgroup-root", cgroupRoot.toString()));
        }
        Process p = new ProcessBuilder(command)
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

    /** A private copy of the busybox root under {@code dir}, for containers that write to their root. */
    public static Path copyOfBusybox(Path dir) throws IOException, InterruptedException {
        Path copy = dir.resolve("rootfs");
        Process cp = new ProcessBuilder("cp", "-a", TestAssets.busyboxRootfs().toString(), copy.toString())
                .inheritIO().start();
        if (!cp.waitFor(60, TimeUnit.SECONDS) || cp.exitValue() != 0) {
            throw new IOException("cp -a of the busybox root failed");
        }
        return copy;
    }

    /** Removes what {@link #copyOfBusybox} made (rm -rf: JUnit's cleanup trips over its links and nodes). */
    public static void removeCopy(Path copy) throws IOException, InterruptedException {
        new ProcessBuilder("rm", "-rf", copy.toString()).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
    }
}
