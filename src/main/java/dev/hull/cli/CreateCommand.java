package dev.hull.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a container: boot its VM and prepare its process, which waits for 'start'.")
final class CreateCommand implements Callable<Integer> {
    @ParentCommand
    Main global;

    @Mixin
    ContainerOptions options;

    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Parameters(index = "1", arity = "0..1", paramLabel = "BUNDLE", description = "bundle folder (OCI style)")
    Path bundleArg;

    @Override
    public Integer call() throws Exception {
        global.init();
        Path dir = Options.bundle(options.bundle, bundleArg);
        var created = new Lifecycle(global).create(id, dir, false, options.terminal());
        if (options.pidFile != null) {
            PidFile.write(options.pidFile, created.state().pid());
        }
        return 0;
    }
}
