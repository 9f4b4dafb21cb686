package dev.hull.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

final class StartCommand implements Callable<Integer> {
    private final Main global;
    private final ContainerOptions options;
    private final boolean detach;
    private final String id;
    private final Path bundleArg;

    static Syntax syntax() {
        return ContainerOptions.add(Syntax.command("start", "Start a created container.",
                "OCI style (cc-oci-runtime): with a bundle and an id not created yet, create and start it."))
                .flag("with a bundle: return once started", "-d", "--detach")
                .id()
                .optional(Path.class, "BUNDLE", "bundle folder (OCI style)");
    }

    StartCommand(Main global, Parsed args) {
        this.global = global;
        this.options = new ContainerOptions(args);
        this.detach = args.flag("--detach");
        this.id = args.id();
        this.bundleArg = args.positional(1, null);
    }

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
