package dev.hull.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "start", mixinStandardHelpOptions = true,
        description = {"Start a created container.",
            "OCI style (cc-oci-runtime): with a bundle and an id not created yet, create and start it."})
final class StartCommand implements Callable<Integer> {
    @ParentCommand
    Main global;

    @Mixin
    ContainerOptions options;

    @Option(names = {"-d", "--detach"}, description = "with a bundle: return once started")
    boolean detach;

    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Parameters(index = "1", arity = "0..1", paramLabel = "BUNDLE", description = "bundle folder (OCI style)")
    Path bundleArg;

    @Override
    public Integer call() throws Exception {
        global.init();
        Lifecycle life = new Lifecycle(global);
        boolean oneStep = (options.bundle != null || bundleArg != null) && !global.store().exists(id);
        if (!oneStep) {
            life.start(id);
            return 0;
        }
        return RunCommand.createAndStart(global, id, Options.bundle(options.bundle, bundleArg), options.pidFile, detach,
                true, options.terminal());
    }
}
