package dev.hull.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hull.e2e.Commands.Out;
import dev.hull.testing.TestAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's containerd as a test runs it: its config, root, state and socket in the test's folder, started
 * with {@code environment} added to the test's (containerd passes its own to the shims it starts), with the
 * busybox root imported as an image; closed, it stops and nothing of its stays mounted.
 */
record PrivateContainerd(Path dir, Daemon daemon) implements AutoCloseable {
    static PrivateContainerd start(Path dir, String image, Map<String, String> environment) throws Exception {
        Path config = dir.resolve("config.toml");
        Files.writeString(config, "version = 2\nroot = \"" + dir.resolve("root") + "\"\nstate = \""
                + dir.resolve("state") + "\"\n[grpc]\n  address = \"" + dir.resolve("containerd.sock") + "\"\n");
        Daemon daemon = Daemon.start(List.of("containerd", "--config", config.toString()), environment,
                dir.resolve("containerd.sock"), dir.resolve("containerd.log"), Duration.ofSeconds(60));
        PrivateContainerd containerd = new PrivateContainerd(dir, daemon);
        Path archive = OciArchive.of(TestAssets.busyboxRootfs(), dir.resolve("image"), image);
        Out imported = containerd.run(containerd.ctr("images", "import", archive.toString()));
        assertThat(imported.code()).as(imported.stderr()).isZero();
        return containerd;
    }

    /** A ctr command line that talks to this containerd. */
    List<String> ctr(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ctr", "-a", dir.resolve("containerd.sock").toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    Out run(List<String> cmd) throws IOException, InterruptedException {
        return Commands.run(dir, cmd);
    }

    /** The status {@code ctr task ls} shows for task {@code id} (RUNNING, PAUSED, STOPPED), empty if none. */
    String taskStatus(String id) throws IOException, InterruptedException {
        return taskRow(id).map(r -> r[2]).orElse("");
    }

    /** The pid {@code ctr task ls} shows for task {@code id}. */
    long taskPid(String id) throws IOException, InterruptedException {
        return Long.parseLong(taskRow(id).orElseThrow(() -> new AssertionError("no task " + id))[1]);
    }

    private Optional<String[]> taskRow(String id) throws IOException, InterruptedException {
        return run(ctr("task", "ls")).stdout().lines().map(l -> l.strip().split("\\s+"))
                .filter(f -> f.length == 3 && f[0].equals(id)).findFirst();
    }

    /** Waits (up to 30 s) until task {@code id} has {@code status}; returns the status it has then. */
    String awaitTaskStatus(String id, String status) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String now = taskStatus(id);
        while (!now.equals(status) && System.nanoTime() < end) {
            Thread.sleep(200);
            now = taskStatus(id);
        }
        return now;
    }

    /** The pids {@code ctr task ps} lists for task {@code id}. */
    List<Long> taskPs(String id) throws IOException, InterruptedException {
        return run(ctr("task", "ps", id)).stdout().lines().skip(1).map(l -> l.strip().split("\\s+")[0])
                .filter(f -> !f.isEmpty()).map(Long::parseLong).toList();
    }

    /** Kills and removes the tasks of {@code ids} and removes their containers, those there are. */
    void removeAll(List<String> ids) throws IOException, InterruptedException {
        for (String id : ids) {
            if (!taskStatus(id).isEmpty()) {
                run(ctr("task", "kill", "-s", "KILL", id));
                run(ctr("task", "rm", "-f", id));
            }
            run(ctr("containers", "rm", id));
        }
    }

    /** containerd's state folder: the bundles of its tasks, where their roots are mounted. */
    Path state() {
        return dir.resolve("state");
    }

    String log() throws IOException {
        return daemon.log();
    }

    @Override
    public void close() throws Exception {
        daemon.close();
        new ProcessBuilder("sh", "-c", "umount -R " + dir + "/root 2>/dev/null; umount -R " + dir
                + "/state 2>/dev/null; true").inheritIO().start().waitFor();
    }
}
