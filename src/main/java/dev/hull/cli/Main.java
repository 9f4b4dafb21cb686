package dev.hull.cli;

import dev.hull.logging.Log;
import dev.hull.state.StateStore;
import dev.hull.sys.Libc;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hull}: runc's command line (and cc-oci-runtime's), each container in its own VM. */
@Command(name = "hull", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Runs OCI containers, each inside its own lightweight virtual machine.")
public final class Main implements Runnable {
    /**
     * The verbs, each made only when it is the one asked for: picocli reads every command's annotations
     * when it is added, and the model of all of them cost each CLI call ~70 ms more than one verb's
     * (a manager makes 4 to 6 calls per container). Help and bad input get them all.
     */
    static final Map<String, Supplier<Object>> VERBS = verbs();

    private static Map<String, Supplier<Object>> verbs() {
        Map<String, Supplier<Object>> v = new LinkedHashMap<>();
        v.put("create", CreateCommand::new);
        v.put("start", StartCommand::new);
        v.put("run", RunCommand::new);
        v.put("state", StateCommand::new);
        v.put("kill", KillCommand::new);
        v.put("delete", DeleteCommand::new);
        v.put("stop", StopCommand::new);
        v.put("list", ListCommand::new);
        v.put("spec", SpecCommand::new);
        v.put("features", FeaturesCommand::new);
        v.put("pause", PauseCommand::new);
        v.put("resume", ResumeCommand::new);
        v.put("ps", PsCommand::new);
        v.put("events", EventsCommand::new);
        v.put("update", UpdateCommand::new);
        v.put("check", CheckCommand::new);
        v.put("exec", ExecCommand::new);
        v.put("version", VersionCommand::new);
        v.put("shim", ShimCommand::new);
        return v;
    }

    @Option(names = "--root", description = "state folder (default: ${DEFAULT-VALUE})", paramLabel = "DIR")
    Path root = StateStore.DEFAULT_ROOT;

    @Option(names = "--log", description = "log file (default: none)", paramLabel = "FILE")
    Path log;

    @Option(names = "--log-format", description = "text or json (default: ${DEFAULT-VALUE})", paramLabel = "FORMAT")
    String logFormat = "text";

    @Option(names = "--debug", description = "log debug messages, including the guest's boot messages")
    boolean debug;

    @Option(names = "--global-log", description = "another log file, always text with pids", paramLabel = "FILE")
    Path globalLog;

    @Option(names = "--systemd-cgroup", description = "accepted for compatibility; cgroups live in the VM")
    boolean systemdCgroup;

    @Option(names = "--rootless", description = "accepted for compatibility", paramLabel = "VALUE", hidden = true)
    String rootless;

    @Option(names = "--criu", description = "accepted for compatibility", paramLabel = "PATH", hidden = true)
    String criu;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    StateStore store() {
        return new StateStore(root);
    }

    /** The global options again, for the shim to log where the CLI logs. */
    java.util.List<String> globalArgs() {
        var args = new java.util.ArrayList<String>(java.util.List.of("--root", store().root().toString(),
                "--log-format", logFormat));
        if (log != null) {
            args.addAll(java.util.List.of("--log", log.toAbsolutePath().toString()));
        }
        if (globalLog != null) {
            args.addAll(java.util.List.of("--global-log", globalLog.toAbsolutePath().toString()));
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
            default -> throw new HullException("unknown --log-format '" + logFormat + "': use text or json");
        };
        // The seed's global log in the root is always written; --global-log adds another copy.
        var globals = new java.util.ArrayList<Path>();
        if (Files.isDirectory(root)) {
            globals.add(root.resolve("hull.log"));
        }
        if (globalLog != null) {
            globals.add(globalLog);
        }
        Log.configure(log, format, debug, globals);
    }

    static Path home() {
        return Path.of(System.getProperty("hull.home", ".")).toAbsolutePath().normalize();
    }

    public static void main(String[] args) {
        int code = execute(args);
        if (Boolean.getBoolean("hull.jvmExit")) {
            // scripts/aot-train.sh: the JVM writes the AOT cache in its own exit.
            System.exit(code);
        }
        // HotSpot's exit waits up to 300 ms (30 x 10 ms) for threads still in native code, and a verb that
        // started a process always has one: the JDK's reaper, blocked in waitpid for it (create: the shim;
        // the shim: a stdin read). Every verb is done and has said all it says when execute returns, and
        // Hull registers no shutdown hooks, so the process ends at once (create: 1.35 s -> 0.95 s).
        System.out.flush();
        System.err.flush();
        Libc.exitNow(code);
    }

    static int execute(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        String verb = verb(cl.getCommandSpec(), args);
        if (VERBS.containsKey(verb)) {
            cl.addSubcommand(verb, VERBS.get(verb).get());
        } else {
            VERBS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
        }
        CommandLine exec = cl.getSubcommands().get("exec");
        if (exec != null) {
            // runc's rule for exec: everything after the container id is the command, dashes included.
            exec.setStopAtPositional(true);
        }
        cl.setExitCodeExceptionMapper(e -> 1);
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println("hull: " + ex.getMessage());
            ex.getCommandLine().usage(System.err);
            return 1;
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            String msg = message(ex);
            Log.error(msg);
            System.err.println("hull: " + msg);
            return 1;
        });
        return cl.execute(args);
    }

    /** The first argument that is neither a global option nor its value, or null (help, a bad option). */
    static String verb(CommandLine.Model.CommandSpec main, String[] args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-")) {
                return arg;
            }
            CommandLine.Model.OptionSpec option = main.findOption(arg.split("=", 2)[0]);
            if (option == null) {
                return null;
            }
            if (!arg.contains("=") && option.arity().max() > 0) {
                i++;
            }
        }
        return null;
    }

    private static String message(Exception ex) {
        if (ex instanceof HullException || ex instanceof IllegalArgumentException) {
            return ex.getMessage();
        }
        String m = ex.getMessage();
        return m == null ? ex.toString() : m;
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
