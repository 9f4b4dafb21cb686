package dev.hull.cli;

import dev.hull.logging.Log;
import dev.hull.state.StateStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hull}: runc's command line (and cc-oci-runtime's), each container in its own VM. */
@Command(name = "hull", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Runs OCI containers, each inside its own lightweight virtual machine.",
        subcommands = {CreateCommand.class, StartCommand.class, RunCommand.class, StateCommand.class,
            KillCommand.class, DeleteCommand.class, StopCommand.class, ListCommand.class, SpecCommand.class, FeaturesCommand.class,
            PauseCommand.class, ResumeCommand.class, PsCommand.class, EventsCommand.class, UpdateCommand.class, CheckCommand.class, ExecCommand.class,
            VersionCommand.class, ShimCommand.class})
public final class Main implements Runnable {
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
        System.exit(execute(args));
    }

    static int execute(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        // runc's rule for exec: everything after the container id is the command, dashes included.
        cl.getSubcommands().get("exec").setStopAtPositional(true);
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
