package dev.hull.cli;

import dev.hull.error.BadInputException;
import dev.hull.error.HullException;
import dev.hull.logging.Log;
import dev.hull.state.StateStore;
import dev.hull.sys.Libc;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import dev.hull.sys.Host;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/** {@code hull}: runc's command line (and cc-oci-runtime's), each container in its own VM. */
public final class Main {
    /** A verb: its command line, and the command made from what was parsed of it. */
    record Verb(Supplier<Syntax> syntax, BiFunction<Main, Parsed, Callable<Integer>> command) {
    }

    /**
     * The verbs, each declared to picocli only when it is the one asked for: the model of all of them
     * cost each CLI call ~70 ms more than one verb's (a manager makes 4 to 6 calls per container).
     * Help and bad input get them all.
     */
    static final Map<String, Verb> VERBS = verbs();

    private static Map<String, Verb> verbs() {
        Map<String, Verb> v = new LinkedHashMap<>();
        v.put("create", new Verb(CreateCommand::syntax, CreateCommand::new));
        v.put("start", new Verb(StartCommand::syntax, StartCommand::new));
        v.put("run", new Verb(RunCommand::syntax, RunCommand::new));
        v.put("state", new Verb(StateCommand::syntax, StateCommand::new));
        v.put("kill", new Verb(KillCommand::syntax, KillCommand::new));
        v.put("delete", new Verb(DeleteCommand::syntax, DeleteCommand::new));
        v.put("stop", new Verb(StopCommand::syntax, StopCommand::new));
        v.put("list", new Verb(ListCommand::syntax, ListCommand::new));
        v.put("spec", new Verb(SpecCommand::syntax, SpecCommand::new));
        v.put("features", new Verb(FeaturesCommand::syntax, (g, a) -> new FeaturesCommand()));
        v.put("pause", new Verb(PauseCommand::syntax, PauseCommand::new));
        v.put("resume", new Verb(ResumeCommand::syntax, ResumeCommand::new));
        v.put("ps", new Verb(PsCommand::syntax, PsCommand::new));
        v.put("events", new Verb(EventsCommand::syntax, EventsCommand::new));
        v.put("update", new Verb(UpdateCommand::syntax, UpdateCommand::new));
        v.put("check", new Verb(CheckCommand::syntax, CheckCommand::new));
        v.put("exec", new Verb(ExecCommand::syntax, ExecCommand::new));
        v.put("checkpoint", new Verb(CheckpointCommand::syntax, CheckpointCommand::new));
        v.put("restore", new Verb(RestoreCommand::syntax, RestoreCommand::new));
        v.put("version", new Verb(VersionCommand::syntax, (g, a) -> new VersionCommand()));
        v.put("shim", new Verb(ShimCommand::syntax, ShimCommand::new));
        return v;
    }

    static Syntax syntax() {
        return Syntax.command("hull", "Runs OCI containers, each inside its own lightweight virtual machine.")
                .version(new Version())
                .option(Path.class, "DIR", "state folder (default: " + StateStore.DEFAULT_ROOT_HELP + ")", "--root")
                .option(Path.class, "FILE", "log file (default: none)", "--log")
                .option(String.class, "FORMAT", "text or json (default: text)", "--log-format")
                .flag("log debug messages, including the guest's boot messages", "--debug")
                .option(Path.class, "FILE", "another log file, always text with pids", "--global-log")
                .flag("accepted for compatibility; cgroups live in the VM", "--systemd-cgroup")
                .internal(String.class, false, "--rootless")
                .internal(String.class, false, "--criu");
    }

    final Path root;
    final Path log;
    final String logFormat;
    final boolean debug;
    final Path globalLog;

    Main(Parsed args) {
        Path given = args.value("--root", null);
        root = given != null ? given : StateStore.defaultRoot();
        log = args.value("--log", null);
        logFormat = args.value("--log-format", "text");
        debug = args.flag("--debug");
        globalLog = args.value("--global-log", null);
    }

    StateStore store() {
        return new StateStore(root);
    }

    /** The global options again, for the shim to log where the CLI logs. */
    List<String> globalArgs() {
        var args = new ArrayList<String>(List.of("--root", store().root().toString(), "--log-format", logFormat));
        if (log != null) {
            args.addAll(List.of("--log", log.toAbsolutePath().toString()));
        }
        if (globalLog != null) {
            args.addAll(List.of("--global-log", globalLog.toAbsolutePath().toString()));
        }
        if (debug) {
            args.add("--debug");
        }
        return args;
    }

    /** Sets up logging; every verb calls it first. The global log lives in the root, when there is one. */
    void init() throws HullException {
        Log.Format format = switch (logFormat) {
            case "text" -> Log.Format.TEXT;
            case "json" -> Log.Format.JSON;
            default -> throw new BadInputException("unknown --log-format '" + logFormat + "': use text or json");
        };
        // The seed's global log in the root is always written; --global-log adds another copy.
        var globals = new ArrayList<Path>();
        if (Files.isDirectory(root)) {
            globals.add(root.resolve("hull.log"));
        }
        if (globalLog != null) {
            globals.add(globalLog);
        }
        Log.configure(log, format, debug, globals);
    }

    static Path home() {
        return Host.home();
    }

    public static void main(String[] args) {
        int code = execute(args);
        boolean workers = startedThreads();
        if (Boolean.getBoolean("hull.jvmExit") || !workers) {
            // scripts/aot-train.sh: the JVM writes the AOT cache in its own exit.
            System.exit(code);
        }
        // HotSpot's exit waits up to 300 ms (30 x 10 ms) for threads still in native code, and a verb that
        // started a process always has one: the JDK's reaper, blocked in waitpid for it (create: the shim;
        // the shim: a stdin read). Every verb is done and has said all it says when execute returns, and
        // Hull registers no shutdown hooks, so the process ends at once (create: 1.35 s -> 0.95 s). A verb
        // that started no thread exits the JVM's way: linking _exit would cost it ~14 ms.
        System.out.flush();
        System.err.flush();
        Libc.exitNow(code);
    }

    private static final Set<String> JVM_THREADS = Set.of("main", "Reference Handler",
            "Finalizer", "Signal Dispatcher", "Common-Cleaner", "Notification Thread", "Attach Listener");

    /** Whether a thread other than the JVM's own runs (a process reaper, a relay, a pump). */
    static boolean startedThreads() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> !JVM_THREADS.contains(t.getName()));
    }

    static int execute(String[] args) {
        CommandLine cl = new CommandLine(syntax().spec());
        String verb = verb(cl.getCommandSpec(), args);
        if (VERBS.containsKey(verb)) {
            cl.addSubcommand(verb, VERBS.get(verb).syntax().get().spec());
        } else {
            VERBS.forEach((name, v) -> cl.addSubcommand(name, v.syntax().get().spec()));
        }
        CommandLine exec = cl.getSubcommands().get("exec");
        if (exec != null) {
            // runc's rule for exec: everything after the container id is the command, dashes included.
            exec.setStopAtPositional(true);
        }
        ParseResult parsed;
        try {
            parsed = cl.parseArgs(args);
        } catch (CommandLine.ParameterException ex) {
            System.err.println("hull: " + ex.getMessage());
            ex.getCommandLine().usage(System.err);
            return 1;
        }
        if (CommandLine.printHelpIfRequested(parsed)) {
            return 0;
        }
        ParseResult sub = parsed.subcommand();
        if (sub == null) {
            cl.usage(System.out);
            return 0;
        }
        try {
            return VERBS.get(sub.commandSpec().name()).command().apply(new Main(new Parsed(parsed)), new Parsed(sub))
                    .call();
        } catch (Exception ex) {
            return report(ex);
        }
    }

    /** The first argument that is neither a global option nor its value, or null (help, a bad option). */
    static String verb(CommandSpec main, String[] args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-")) {
                return arg;
            }
            OptionSpec option = main.findOption(arg.split("=", 2)[0]);
            if (option == null) {
                return null;
            }
            if (!arg.contains("=") && option.arity().max() > 0) {
                i++;
            }
        }
        return null;
    }

    /** Logs and prints the error a verb ended with; returns the exit status ({@link Failure}). */
    static int report(Exception ex) {
        Failure failure = Failure.of(ex);
        Log.error(failure.message());
        String causes = Failure.causes(ex);
        if (!causes.isEmpty()) {
            Log.debug(causes);
        }
        System.err.println("hull: " + failure.message());
        return failure.exitCode();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {
                "hull version " + p.getProperty("version", "unknown"),
                "commit: " + p.getProperty("commit", "unknown"),
                "spec: " + p.getProperty("spec", "1.2.0"),
            };
        }
    }
}
