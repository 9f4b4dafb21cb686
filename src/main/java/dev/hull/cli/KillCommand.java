package dev.hull.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "kill", mixinStandardHelpOptions = true,
        description = "Send a signal (default SIGTERM) to a container's process.")
final class KillCommand implements Callable<Integer> {
    @ParentCommand
    Main global;

    @Option(names = {"-a", "--all"}, description = "signal every process of the container")
    boolean all;

    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SIGNAL", description = "name or number (default TERM)")
    String signal = "TERM";

    @Override
    public Integer call() throws Exception {
        global.init();
        int sig = Signals.parse(signal);
        new Lifecycle(global).kill(id, sig, all);
        return 0;
    }
}
