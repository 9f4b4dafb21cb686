package dev.hull.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Forcibly stop a container's workload and its VM (cc-oci-runtime's stop).")
final class StopCommand implements Callable<Integer> {
    @ParentCommand
    Main global;

    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Override
    public Integer call() throws Exception {
        global.init();
        new Lifecycle(global).stop(id);
        return 0;
    }
}
