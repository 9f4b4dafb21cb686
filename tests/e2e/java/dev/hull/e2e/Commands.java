package dev.hull.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hull.testing.Tmux;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the manager tests share: running a manager's CLI, and driving an interactive container. */
final class Commands {
    private Commands() {
    }

    record Out(int code, String stdout, String stderr) {
    }

    /** Runs a command with no stdin; output goes to files, as a detached container may hold it. */
    static Out run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        if (!p.waitFor(150, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", cmd) + " did not finish");
        }
        return new Out(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** A docker-compatible CLI (docker, podman): its arguments in, what it did out. */
    interface DockerLike {
        Out run(String... args) throws IOException, InterruptedException;
    }

    /**
     * The life of a detached container started as {@code name} (echoing "started", then sleeping), the
     * same through docker and podman: logs, exec with its status, pause seen by inspect, unpause, stop, rm.
     */
    static void assertDetachedLifecycle(DockerLike cli, String name) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!cli.run("logs", name).stdout().contains("started") && System.nanoTime() < end) {
            Thread.sleep(200);
        }
        assertThat(cli.run("logs", name).stdout()).contains("started");
        Out exec = cli.run("exec", name, "sh", "-c", "echo from exec; exit 4");
        assertThat(exec.code()).isEqualTo(4);
        assertThat(exec.stdout()).isEqualTo("from exec\n");
        assertThat(cli.run("pause", name).code()).isZero();
        assertThat(cli.run("inspect", "--format", "{{.State.Status}}", name).stdout().strip()).isEqualTo("paused");
        assertThat(cli.run("unpause", name).code()).isZero();
        assertThat(cli.run("stop", "-t", "2", name).code()).isZero();
        assertThat(cli.run("rm", name).code()).isZero();
    }

    /** Runs {@code cmd} (an interactive busybox sh) in a terminal: a prompt, arithmetic, exit 5. */
    static void assertInteractiveShell(Path dir, String name, List<String> cmd) throws Exception {
        Path exit = dir.resolve(name + ".exit");
        String command = String.join(" ", cmd) + "; echo $? > " + exit + "; sleep 60";
        try (Tmux tmux = new Tmux(name + "-" + ProcessHandle.current().pid(), 80, 24, command)) {
            tmux.await("^/ #", Duration.ofSeconds(60));
            tmux.type("echo $((6*7))");
            tmux.keys("Enter");
            tmux.await("^42$", Duration.ofSeconds(30));
            tmux.type("exit 5");
            tmux.keys("Enter");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(exit) && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            assertThat(Files.readString(exit).strip()).isEqualTo("5");
        }
    }
}
