package dev.hull.shim;

import dev.hull.logging.Log;
import dev.hull.oci.Hooks;
import dev.hull.json.JsonValues;
import dev.hull.state.ContainerState;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs OCI hooks on the host, as the runtime spec says: the hook's path and args (args[0] is its name),
 * only its own env, the container's state JSON on stdin, and its timeout. The hooks of a VM runtime run
 * on the host, in the network namespace of the runtime's caller as with runc, even when the shim that
 * runs them lives in the container's: hooks that set up the container's network (CNI-style) make the
 * host's end there.
 *
 * @param prefix what each hook is started through (nsenter into the caller's network namespace), or empty
 */
public record HookRunner(List<String> prefix) {
    /** Hooks run from a process in the caller's namespaces already. */
    public static final HookRunner HERE = new HookRunner(List.of());


    public HookRunner {
        prefix = List.copyOf(prefix);
    }

    /** Runs each hook in order; the first failure is thrown (create-time hooks fail the container). */
    public void run(String phase, List<Hooks.Hook> hooks, ContainerState state, String status)
            throws IOException {
        for (Hooks.Hook hook : Hooks.orEmpty(hooks)) {
            runOne(phase, hook, state, status);
        }
    }

    /** For hooks whose failure only deserves a warning (poststart, poststop). */
    public void runQuietly(String phase, List<Hooks.Hook> hooks, ContainerState state, String status) {
        for (Hooks.Hook hook : Hooks.orEmpty(hooks)) {
            try {
                runOne(phase, hook, state, status);
            } catch (IOException e) {
                Log.warn(e.getMessage());
            }
        }
    }

    private void runOne(String phase, Hooks.Hook hook, ContainerState state, String status)
            throws IOException {
        if (hook.path() == null || !Files.isExecutable(Path.of(hook.path()))) {
            throw new IOException(phase + " hook " + hook.path() + " is not an executable file");
        }
        // args[0] is the hook's argv[0], which need not be its path: dockerd's hook is its own binary
        // (/proc/PID/exe) told what to do by argv[0] = "libnetwork-setkey". Java cannot set argv[0], so
        // bash's exec -a does it.
        List<String> args = hook.args() == null || hook.args().isEmpty() ? List.of(hook.path()) : hook.args();
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of("/bin/bash", "-c", "p=$1; shift; exec -a \"$0\" \"$p\" \"$@\"",
                args.get(0), hook.path()));
        cmd.addAll(args.subList(1, args.size()));
        Path output = Files.createTempFile("hull-hook", ".out");
        long t0 = System.nanoTime();
        try {
            execute(phase, hook, cmd, output, state, status);
        } finally {
            Files.deleteIfExists(output);
        }
        Log.debug("ran " + phase + " hook " + hook.path() + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    private static void execute(String phase, Hooks.Hook hook, List<String> cmd, Path output, ContainerState state,
            String status) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(output.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        for (String e : hook.env() == null ? List.<String>of() : hook.env()) {
            int eq = e.indexOf('=');
            if (eq > 0) {
                pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("ociVersion", state.ociVersion());
        st.put("id", state.id());
        st.put("status", status);
        st.put("pid", state.pid());
        st.put("bundle", state.bundle());
        st.put("annotations", state.annotations());
        Process p = pb.start();
        byte[] stdin = JsonValues.write(st, false).getBytes(StandardCharsets.UTF_8);
        // On a thread of its own: a hook that never reads its stdin (and state with large annotations fills
        // the pipe) must not hold the create past the hook's timeout.
        Thread.ofVirtual().name("hull-hook-stdin").start(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException e) {
                // A hook that does not read its stdin is fine.
            }
        });
        int timeout = hook.timeout() == null || hook.timeout() <= 0 ? 60 : hook.timeout();
        try {
            if (!p.waitFor(timeout, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(phase + " hook " + hook.path() + " timed out after " + timeout + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException(phase + " hook " + hook.path() + " interrupted");
        }
        if (p.exitValue() != 0) {
            String said = tail(output);
            throw new IOException(phase + " hook " + hook.path() + " failed with status " + p.exitValue()
                    + (said.isEmpty() ? "" : ": " + said));
        }
    }

    private static String tail(Path output) {
        try {
            List<String> lines = Files.readAllLines(output);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size())).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
