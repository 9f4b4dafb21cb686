package dev.hull.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

final class CreateCommand implements Callable<Integer> {
    private final Main global;
    private final ContainerOptions options;
    private final String id;
    private final Path bundleArg;

    static Syntax syntax() {
        return ContainerOptions.add(Syntax.command("create",
                "Create a container: boot its VM and prepare its process, which waits for 'start'."))
                .id()
                .optional(Path.class, "BUNDLE", "bundle folder (OCI style)");
    }

    CreateCommand(Main global, Parsed args) {
        this.global = global;
        this.options = new ContainerOptions(args);
        this.id = args.id();
        this.bundleArg = args.positional(1, null);
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        Path dir = Options.bundle(options.bundle, bundleArg);
        if (options.pidFile != null) {
            PidFile.check(options.pidFile);
        }
        Lifecycle life = new Lifecycle(global);
        var created = life.create(id, dir, false, options.terminal());
        life.handOver(id, options.pidFile, created.state().pid());
        return 0;
    }
}
