package dev.hull.cli;

import dev.hull.shim.ShimRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "pause", mixinStandardHelpOptions = true,
        description = "Pause a container: its whole VM stops until resume.")
final class PauseCommand implements Callable<Integer> {
    @ParentCommand
    Main global;

    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Override
    public Integer call() throws Exception {
        global.init();
        new Lifecycle(global).ask(id, new ShimRequest.Pause(), true);
        return 0;
    }
}
