package dev.hull.cli;

import dev.hull.shim.HostTerminal;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a container: boot its VM and prepare its process, which waits for 'start'.")
final class CreateCommand implements Callable<Integer> {
    @ParentCommand
    Main global;

    @Option(names = {"-b", "--bundle"}, description = "bundle folder (default: the current folder)",
            paramLabel = "DIR")
    Path bundle;

    @Option(names = "--pid-file", description = "write the container's pid here", paramLabel = "FILE")
    Path pidFile;

    @Option(names = "--console-socket", description = "unix socket that receives the pty master",
            paramLabel = "PATH")
    Path consoleSocket;

    @Option(names = "--console", description = "terminal to use as the container's console", paramLabel = "TTY")
    Path console;

    @Option(names = "--no-pivot", description = "accepted for compatibility")
    boolean noPivot;

    @Option(names = "--no-new-keyring", description = "accepted for compatibility")
    boolean noNewKeyring;

    @Option(names = "--preserve-fds", description = "accepted for compatibility", paramLabel = "N")
    int preserveFds;

    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Parameters(index = "1", arity = "0..1", paramLabel = "BUNDLE", description = "bundle folder (OCI style)")
    Path bundleArg;

    @Override
    public Integer call() throws Exception {
        global.init();
        Path dir = Options.bundle(bundle, bundleArg);
        var created = new Lifecycle(global).create(id, dir, false, new HostTerminal.Source(consoleSocket, console));
        if (pidFile != null) {
            PidFile.write(pidFile, created.state().pid());
        }
        return 0;
    }
}
