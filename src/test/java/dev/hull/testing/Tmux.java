package dev.hull.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/** A terminal for tests: a detached tmux session on its own server socket, typed into and read back. */
public final class Tmux implements AutoCloseable {
    private final String socket;
    private final String session = "hull";

    public Tmux(String socketName, int cols, int rows, String command) throws IOException, InterruptedException {
        this.socket = socketName;
        tmux("new-session", "-d", "-s", session, "-x", Integer.toString(cols), "-y", Integer.toString(rows), command);
    }

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return out;
    }

    public void type(String text) throws IOException, InterruptedException {
        tmux("send-keys", "-t", session, "-l", text);
    }

    public void keys(String... keys) throws IOException, InterruptedException {
        List<String> a = new ArrayList<>(List.of("send-keys", "-t", session));
        a.addAll(List.of(keys));
        tmux(a.toArray(String[]::new));
    }

    public String screen() throws IOException, InterruptedException {
        return tmux("capture-pane", "-p", "-t", session);
    }

    public void resize(int cols, int rows) throws IOException, InterruptedException {
        tmux("resize-window", "-t", session, "-x", Integer.toString(cols), "-y", Integer.toString(rows));
    }

    /** Waits until the screen matches {@code regex} (multi-line), failing with the screen after {@code max}. */
    public String await(String regex, Duration max) throws IOException, InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
        String screen = "";
        while (System.nanoTime() < end) {
            screen = screen();
            if (p.matcher(screen).find()) {
                return screen;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("screen never matched " + regex + ":\n" + screen);
    }

    /** Ends the server and waits until its process is gone: kill-server returns before it exits. */
    @Override
    public void close() throws IOException, InterruptedException {
        tmux("kill-server");
        String marker = "tmux -L " + socket + " ";
        for (ProcessHandle server : ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false)).toList()) {
            try {
                server.onExit().get(5, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                server.destroyForcibly();
            }
        }
    }
}
