package dev.hull.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.core.Verb;
import dev.hull.error.BadInputException;
import dev.hull.error.HullException;
import dev.hull.io.Children;
import dev.hull.logging.Log;
import dev.hull.json.JsonValues;
import dev.hull.oci.Bundle;
import dev.hull.oci.Process;
import dev.hull.oci.SpecJson;
import dev.hull.oci.SpecRules;
import dev.hull.shim.NotifySocket;
import dev.hull.shim.RunDir;
import dev.hull.shim.ShimRequest;
import dev.hull.state.ContainerState;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * runc's exec. The container's shim runs the process through the agent, wired to this process's stdio;
 * this process waits and exits with the process's status. Detached, a relay process of its own does the
 * waiting, and its pid (in --pid-file) stands for the exec'd process: its exit status is the process's, and
 * its end (SIGKILL included) ends the process. Other signals are not passed on (docs/architecture.md, exec).
 */
final class ExecCommand implements Callable<Integer> {
    private final Main global;
    private final boolean tty;
    private final boolean detach;
    private final Path pidFile;
    private final Path processFile;
    private final Path consoleSocket;
    private final List<String> env;
    private final String cwd;
    private final String user;
    private final List<Integer> additionalGids;
    private final List<String> addedCaps;
    private final Path relayNotify;
    private final String execId;
    private final boolean noNewPrivs;
    private final String id;
    private final List<String> command;

    static Syntax syntax() {
        return Syntax.command("exec", "Run a new process inside a running container's VM.")
                .flag("give the process a terminal", "-t", "--tty")
                .flag("return once started; --pid-file names a process that ends with it", "-d", "--detach")
                .option(Path.class, "FILE", "write the pid standing for the process here", "--pid-file")
                .option(Path.class, "FILE", "OCI process JSON file", "-p", "--process")
                .option(Path.class, "PATH", "unix socket that receives the pty master", "--console-socket")
                .repeated(String.class, "K=V", "set an environment variable", "-e", "--env")
                .option(String.class, "DIR", "working directory", "--cwd")
                .option(String.class, "UID[:GID]", "UID[:GID]", "-u", "--user")
                .repeated(Integer.class, "GID", "additional group ids", "-g", "--additional-gids")
                .repeated(String.class, "CAP", "add a capability (CAP_KILL) to the bounding, effective, permitted "
                        + "and ambient sets", "-c", "--cap")
                .internal(Path.class, false, "--relay")
                .internal(String.class, false, "--exec-id")
                .flag("set no_new_privileges", "--no-new-privs")
                .id()
                .rest("COMMAND", "command and arguments");
    }

    ExecCommand(Main global, Parsed args) {
        this.global = global;
        this.tty = args.flag("--tty");
        this.detach = args.flag("--detach");
        this.pidFile = args.value("--pid-file", null);
        this.processFile = args.value("--process", null);
        this.consoleSocket = args.value("--console-socket", null);
        this.env = args.values("--env");
        this.cwd = args.value("--cwd", null);
        this.user = args.value("--user", null);
        this.additionalGids = args.values("--additional-gids");
        this.addedCaps = args.values("--cap");
        this.relayNotify = args.value("--relay", null);
        this.execId = args.value("--exec-id", null);
        this.noNewPrivs = args.flag("--no-new-privs");
        this.id = args.id();
        this.command = args.rest(1);
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        long launcher = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        Lifecycle life = new Lifecycle(global);
        ContainerState st = global.store().read(id);
        Process process = process(st);
        if (pidFile != null) {
            PidFile.check(pidFile);
        }
        String name = execId != null ? execId : "exec-" + UUID.randomUUID().toString().substring(0, 12);
        if (detach && relayNotify == null) {
            return startRelay(st, name);
        }
        ShimRequest.Exec request = new ShimRequest.Exec(name, ProcessHandle.current().pid(), process,
                consoleSocket == null ? null : consoleSocket.toAbsolutePath().toString());
        try {
            life.ask(id, Verb.EXEC, request, false);
        } catch (HullException | IOException e) {
            if (relayNotify != null) {
                NotifySocket.failed(relayNotify, e);
                return 1;
            }
            throw e;
        }
        if (relayNotify != null) {
            NotifySocket.ok(relayNotify);
        }
        JsonNode done = life.ask(id, Verb.WAIT_EXEC, new ShimRequest.WaitExec(name), false);
        if (relayNotify != null) {
            ShimLauncher.awaitAdoption(launcher);
        }
        return done.get("code").asInt();
    }

    /** The process: --process, or the container's own process with the command line's changes (runc's rule). */
    private Process process(ContainerState st) throws Exception {
        if (processFile != null) {
            Process read;
            try {
                read = SpecJson.process(JsonValues.tree(Files.readAllBytes(processFile)), "process");
            } catch (IOException | SpecJson.TypeException e) {
                throw new BadInputException("--process " + processFile + " is not a valid OCI process: "
                        + e.getMessage(), e);
            }
            var wrong = SpecRules.check(read, "process");
            if (wrong.isPresent()) {
                throw new BadInputException("--process " + processFile + ": " + wrong.get());
            }
            SpecRules.warnings(read).forEach(Log::warn);
            return read;
        }
        if (command.isEmpty()) {
            throw new BadInputException("exec needs a command (or --process FILE)");
        }
        Process base = Bundle.load(Path.of(st.bundle())).spec().process();
        List<String> envs = new ArrayList<>(base.env());
        for (String e : env) {
            if (!e.contains("=")) {
                throw new BadInputException("--env " + e + " is not KEY=VALUE");
            }
            String key = e.substring(0, e.indexOf('=') + 1);
            envs.removeIf(x -> x.startsWith(key));
            envs.add(e);
        }
        // runc's rules: what the command line leaves out is config.json's (a uid alone keeps its gid and groups;
        // -g adds groups), and so are the capabilities (--cap adds) and the OOM score.
        Process.User who = base.user();
        if (user != null) {
            String[] parts = user.split(":", 2);
            try {
                who = new Process.User(Integer.parseInt(parts[0]),
                        parts.length > 1 ? Integer.parseInt(parts[1]) : who.gid(), who.umask(), who.additionalGids());
            } catch (NumberFormatException e) {
                throw new BadInputException("--user " + user + " must be UID[:GID] in numbers");
            }
        }
        if (!additionalGids.isEmpty()) {
            List<Integer> groups = new ArrayList<>(who.additionalGids() == null ? List.of() : who.additionalGids());
            groups.addAll(additionalGids);
            who = new Process.User(who.uid(), who.gid(), who.umask(), groups);
        }
        return new Process(tty, tty ? base.consoleSize() : null, who, command, envs, cwd != null ? cwd : base.cwd(),
                base.rlimits(), base.noNewPrivileges() || noNewPrivs, withAdded(base.capabilities()),
                base.oomScoreAdj());
    }

    /**
     * The container's capabilities with --cap's in the sets runc 1.1 adds them to (not the inheritable set, so
     * the ambient set does not get them either); a config.json without capabilities starts from none.
     */
    private Process.Capabilities withAdded(Process.Capabilities caps) throws BadInputException {
        if (addedCaps.isEmpty()) {
            return caps;
        }
        for (String cap : addedCaps) {
            if (!SpecRules.CAPABILITIES.contains(cap)) {
                throw new BadInputException("--cap " + cap + ": unknown capability");
            }
        }
        Process.Capabilities c = caps == null ? new Process.Capabilities(null, null, null, null, null) : caps;
        return new Process.Capabilities(plus(c.bounding()), plus(c.effective()), c.inheritable(),
                plus(c.permitted()), plus(c.ambient()));
    }

    private List<String> plus(List<String> set) {
        List<String> all = new ArrayList<>(set == null ? List.of() : set);
        addedCaps.stream().filter(cap -> !all.contains(cap)).forEach(all::add);
        return all;
    }

    /** Starts a relay (this verb again, attached) that lives as long as the exec'd process. */
    private int startRelay(ContainerState st, String name) throws Exception {
        // Not named after the exec: a manager's exec id may be long, and a unix socket's path is at most
        // 107 bytes (RunDir sizes run folders for this name).
        Path notify = Path.of(st.runDir()).resolve(RunDir.relaySocketName());
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(notify));
            List<String> cmd = new ArrayList<>(ShimLauncher.javaCommand());
            cmd.addAll(global.globalArgs());
            cmd.addAll(List.of("exec", "--relay", notify.toString(), "--exec-id", name));
            if (consoleSocket != null) {
                cmd.addAll(List.of("--console-socket", consoleSocket.toAbsolutePath().toString()));
            }
            cmd.add("--process");
            Path processJson = Path.of(st.runDir()).resolve("exec-" + name + ".json");
            Files.writeString(processJson, JsonValues.write(SpecJson.tree(process(st)), false));
            cmd.add(processJson.toString());
            cmd.add(id);
            // name clash: dev.hull.oci.Process is the OCI process this file also uses
            java.lang.Process relay = Children.withStdio(new ProcessBuilder(cmd), consoleSocket == null).start();
            try (SocketChannel ch = Children.await(server, relay, "exec relay",
                    Duration.ofSeconds(60), false)) {
                HullException failure = ShimLauncher.failure(ch, "exec failed");
                if (failure != null) {
                    relay.destroyForcibly();
                    throw failure;
                }
            } finally {
                Files.deleteIfExists(processJson);
            }
            if (pidFile != null) {
                PidFile.write(pidFile, relay.pid());
            }
            return 0;
        } finally {
            Files.deleteIfExists(notify);
        }
    }
}
