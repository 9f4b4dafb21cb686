package dev.hull.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * Runs the command; its standard output, or an exception with what it printed on failure. coreutils'
     * timeout bounds it: reading a hung command's output would otherwise wait for ever.
     */
    public String run(String... argv) throws NetException {
        List<String> cmd = new ArrayList<>(List.of("timeout", "-s", "KILL", Long.toString(TIMEOUT_S)));
        cmd.addAll(command(List.of(argv)));
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor();
            if (p.exitValue() == 137) {
                throw new NetException("'" + String.join(" ", argv) + "' did not finish within " + TIMEOUT_S + " s");
            }
            if (p.exitValue() != 0) {
                throw new NetException("'" + String.join(" ", argv) + "' failed: " + (err.isEmpty()
                        ? "exit status " + p.exitValue() : err));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            if (e instanceof NetException n) {
                throw n;
            }
            throw new NetException("cannot run '" + String.join(" ", cmd) + "': " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetException("interrupted while running '" + String.join(" ", argv) + "'");
        }
    }
}
