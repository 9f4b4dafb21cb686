package dev.hull.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.oci.Bundle;
import dev.hull.oci.SpecJson;
import dev.hull.oci.Process;
import dev.hull.shim.ShimRequest;
import dev.hull.state.ContainerState;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * runc's exec. The container's shim runs the process through the agent, wired to this process's stdio;
 * this process waits and exits with the process's status. Detached, a relay process of its own does the
 * waiting, and its pid (in --pid-file) stands for the exec'd process: its exit status is the process's.
 */
@Command(name = "exec", mixinStandardHelpOptions = true,
        description = "Run a new process inside a running container's VM.")
final class ExecCommand implements Callable<Integer> {
    @ParentCommand
    Main global;

    @Option(names = {"-t", "--tty"}, description = "give the process a terminal")
    boolean tty;

    @Option(names = {"-d", "--detach"}, description = "return once started; --pid-file names a process that ends with it")
    boolean detach;

    @Option(names = "--pid-file", description = "write the pid standing for the process here", paramLabel = "FILE")
    Path pidFile;

    @Option(names = {"-p", "--process"}, description = "OCI process JSON file", paramLabel = "FILE")
    Path processFile;

    @Option(names = "--console-socket", description = "unix socket that receives the pty master", paramLabel = "PATH")
    Path consoleSocket;

    @Option(names = {"-e", "--env"}, description = "set an environment variable", paramLabel = "K=V")
    List<String> env = new ArrayList<>();

    @Option(names = "--cwd", description = "working directory", paramLabel = "DIR")
    String cwd;

    @Option(names = {"-u", "--user"}, description = "UID[:GID]", paramLabel = "UID[:GID]")
    String user;

    @Option(names = {"-g", "--additional-gids"}, description = "additional group ids", paramLabel = "GID")
    List<Integer> additionalGids = new ArrayList<>();

    @Option(names = "--relay", hidden = true, description = "internal: run as the detached relay")
    Path relayNotify;

    @Option(names = "--exec-id", hidden = true)
    String execId;

    @Option(names = "--no-new-privs", description = "set no_new_privileges")
    boolean noNewPrivs;

    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "COMMAND", description = "command and arguments")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        global.init();
        long launcher = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        Lifecycle life = new Lifecycle(global);
        ContainerState st = life.read(id);
        Process process = process(st);
        String name = execId != null ? execId : "exec-" + UUID.randomUUID().toString().substring(0, 12);
        if (detach && relayNotify == null) {
            return startRelay(st, name);
        }
        ShimRequest.Exec request = new ShimRequest.Exec(name, ProcessHandle.current().pid(), process,
                consoleSocket == null ? null : consoleSocket.toAbsolutePath().toString());
        try {
            life.ask(id, request, false);
        } catch (HullException | IOException e) {
            if (relayNotify != null) {
                ShimLauncher.notify(relayNotify, "error " + e.getMessage());
                return 1;
            }
            throw e;
        }
        if (relayNotify != null) {
            ShimLauncher.notify(relayNotify, "ok");
        }
        JsonNode done = life.ask(id, new ShimRequest.WaitExec(name), false);
        if (relayNotify != null) {
            ShimLauncher.awaitAdoption(launcher);
        }
        return done.get("code").asInt();
    }

    /** The process: --process, or the container's own process with the command line's changes (runc's rule). */
    private Process process(ContainerState st) throws Exception {
        if (processFile != null) {
            try {
                return SpecJson.process(Bundle.JSON.readTree(processFile.toFile()), "process");
            } catch (IOException | SpecJson.TypeException e) {
                throw new HullException("--process " + processFile + " is not a valid OCI process: " + e.getMessage());
            }
        }
        if (command.isEmpty()) {
            throw new HullException("exec needs a command (or --process FILE)");
        }
        Process base = Lifecycle.loadBundle(Path.of(st.bundle())).spec().process();
        List<String> envs = new ArrayList<>(base.env());
        for (String e : env) {
            if (!e.contains("=")) {
                throw new HullException("--env " + e + " is not KEY=VALUE");
            }
            String key = e.substring(0, e.indexOf('=') + 1);
            envs.removeIf(x -> x.startsWith(key));
            envs.add(e);
        }
        Process.User who = base.user();
        if (user != null) {
            String[] parts = user.split(":", 2);
            try {
                int uid = Integer.parseInt(parts[0]);
                int gid = parts.length > 1 ? Integer.parseInt(parts[1]) : uid == who.uid() ? who.gid() : uid;
                who = new Process.User(uid, gid, who.umask(), null);
            } catch (NumberFormatException e) {
                throw new HullException("--user " + user + " must be UID[:GID] in numbers");
            }
        }
        if (!additionalGids.isEmpty()) {
            who = new Process.User(who.uid(), who.gid(), who.umask(), additionalGids);
        }
        return new Process(tty, tty ? base.consoleSize() : null, who, command, envs, cwd != null ? cwd : base.cwd(),
                base.rlimits(), base.noNewPrivileges() || noNewPrivs);
    }

    /** Starts a relay (this verb again, attached) that lives as long as the exec'd process. */
    private int startRelay(ContainerState st, String name) throws Exception {
        Path notify = Path.of(st.runDir()).resolve("exec-" + name + ".sock");
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
            Files.writeString(processJson, Bundle.JSON.writeValueAsString(SpecJson.tree(process(st))));
            cmd.add(processJson.toString());
            cmd.add(id);
            java.lang.Process relay = ShimLauncher.withStdio(new ProcessBuilder(cmd), consoleSocket == null).start();
            try (SocketChannel ch = ShimLauncher.awaitNotify(server, relay, "exec relay",
                    java.time.Duration.ofSeconds(60))) {
                String line = ShimLauncher.readLine(ch);
                if (!"ok".equals(line)) {
                    relay.destroyForcibly();
                    throw new HullException(line == null ? "exec failed" : line.replaceFirst("^error ", ""));
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
