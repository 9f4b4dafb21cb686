package dev.hull.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Delete a container and everything Hull made for it (its VM, sockets and state).")
final class DeleteCommand implements Callable<Integer> {
    @ParentCommand
    Main global;

    @Option(names = {"-f", "--force"}, description = "kill a running container first")
    boolean force;

    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Override
    public Integer call() throws Exception {
        global.init();
        new Lifecycle(global).delete(id, force);
        return 0;
    }
}
