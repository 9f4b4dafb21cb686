package dev.hull.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the real {@code bin/hull} launcher (the packaged jar) with a test's own state root. Output goes to
 * files, never pipes: a created container's shim inherits them and would hold a pipe open.
 */
public final class HullCli {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private final Path root;
    private final Path work;
    private final List<String> globalArgs;
    private final List<String> prefix;
    private final Path launcher;
    /** Whether --root is passed: without it, Hull picks its default root. */
    private final boolean passRoot;

    public HullCli(Path work, String... globalArgs) throws IOException {
        this(work, launcher(), List.of(), globalArgs);
    }

    /** A given launcher (an installed copy), with {@code prefix} before it, e.g. setpriv for another user. */
    public HullCli(Path work, Path launcher, List<String> prefix, String... globalArgs) throws IOException {
        this(work, launcher, prefix, true, globalArgs);
    }

    private HullCli(Path work, Path launcher, List<String> prefix, boolean passRoot, String... globalArgs)
            throws IOException {
        this.passRoot = passRoot;
        this.work = work;
        this.launcher = launcher;
        this.root = work.resolve("root");
        Files.createDirectories(root);
        this.globalArgs = List.of(globalArgs);
        this.prefix = List.copyOf(prefix);
    }

    public Path root() {
        return root;
    }

    /** The same, with no --root: the state goes where Hull puts it by default. */
    public HullCli withDefaultRoot() throws IOException {
        return new HullCli(work, launcher, prefix, false, globalArgs.toArray(String[]::new));
    }

    public record Result(int code, String stdout, String stderr) {
        public Result assertOk() {
            if (code != 0) {
                throw new AssertionError("hull exited " + code + "\nstdout: " + stdout + "\nstderr: " + stderr);
            }
            return this;
        }
    }

    public static Path launcher() {
        return TestAssets.projectDir().resolve("bin/hull");
    }

    public List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(launcher.toString());
        if (passRoot) {
            cmd.add("--root");
            cmd.add(root.toString());
        }
        cmd.addAll(globalArgs);
        cmd.addAll(List.of(args));
        return cmd;
    }

    public Result run(String... args) throws IOException, InterruptedException {
        return run(null, Duration.ofSeconds(120), args);
    }

    public Result run(Path stdin, Duration timeout, String... args) throws IOException, InterruptedException {
        int n = SEQ.incrementAndGet();
        Path out = work.resolve("out." + n);
        Path err = work.resolve("err." + n);
        Process p = start(stdin, out, err, args);
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("hull " + String.join(" ", args) + " did not finish within " + timeout
                    + "\nstderr: " + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** Starts hull without waiting, output into the given files. */
    public Process start(Path stdin, Path out, Path err, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(args))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())
                : ProcessBuilder.Redirect.from(stdin.toFile()));
        return pb.start();
    }
}
