package dev.hull.cli;

import dev.hull.shim.ShimRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "resume", mixinStandardHelpOptions = true,
        description = "Resume a paused container.")
final class ResumeCommand implements Callable<Integer> {
    @ParentCommand
    Main global;

    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Override
    public Integer call() throws Exception {
        global.init();
        new Lifecycle(global).ask(id, new ShimRequest.Resume(), true);
        return 0;
    }
}
