package dev.hull.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs iproute2's {@code ip} and {@code tc} in the container's network namespace: the process's own, or
 * {@code netns} entered through nsenter (an attached {@code run}, and {@code delete} cleaning up after a
 * shim that died). iproute2 is on every Debian system; its JSON output is stable.
 */
public final class IpTool {
    private static final long TIMEOUT_S = 10;

    private final Path netns;

    /** {@code netns}: null when this process is in the namespace already. */
    public IpTool(Path netns) {
        this.netns = netns;
    }

    /** {@code argv} prefixed so that it runs in the namespace. */
    public List<String> command(List<String> argv) {
        if (netns == null) {
            return argv;
        }
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + netns, "--"));
        cmd.addAll(argv);
        return cmd;
    }

    /** Runs the command; its standard output, or an exception with what it printed on failure. */
    public String run(String... argv) throws NetException {
        return run(List.of(argv), null);
    }

    /**
     * Runs {@code commands} through one {@code ip -batch} or {@code tc -batch} process (each process
     * costs a few milliseconds to spawn). {@code force}: go on past failures (clean-up, where what is
     * already gone is fine). A failure names the command that failed.
     */
    public void batch(String tool, List<String> commands, boolean force) throws NetException {
        if (commands.isEmpty()) {
            return;
        }
        List<String> argv = new ArrayList<>(List.of(tool));
        if (force) {
            argv.add("-force");
        }
        argv.addAll(List.of("-batch", "-"));
        try {
            run(argv, String.join("\n", commands) + "\n");
        } catch (NetException e) {
            Matcher m = FAILED_LINE.matcher(e.getMessage());
            String which = m.find() && Integer.parseInt(m.group(1)) <= commands.size()
                    ? " at '" + tool + " " + commands.get(Integer.parseInt(m.group(1)) - 1) + "'" : "";
            throw new NetException(e.getMessage().replace("'" + String.join(" ", argv) + "' failed",
                    "'" + tool + " -batch' failed" + which), e);
        }
    }

    private static final Pattern FAILED_LINE = Pattern.compile("Command failed -:(\\d+)");

    /** coreutils' timeout bounds each command: reading a hung command's output would wait for ever. */
    private String run(List<String> argv, String stdin) throws NetException {
        List<String> cmd = new ArrayList<>(List.of("timeout", "-s", "KILL", Long.toString(TIMEOUT_S)));
        cmd.addAll(command(argv));
        String shown = String.join(" ", argv);
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            }
            Process p = pb.start();
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor();
            if (p.exitValue() == 137) {
                throw new NetException("'" + shown + "' did not finish within " + TIMEOUT_S + " s");
            }
            if (p.exitValue() != 0) {
                throw new NetException("'" + shown + "' failed: " + (err.isEmpty()
                        ? "exit status " + p.exitValue() : err.replace('\n', ' ')));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            if (e instanceof NetException n) {
                throw n;
            }
            throw new NetException("cannot run '" + String.join(" ", cmd) + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetException("interrupted while running '" + shown + "'");
        }
    }
}
