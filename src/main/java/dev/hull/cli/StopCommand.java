package dev.hull.cli;

import java.util.concurrent.Callable;

final class StopCommand implements Callable<Integer> {
    private final Main global;
    private final String id;

    static Syntax syntax() {
        return Syntax.command("stop", "Forcibly stop a container's workload and its VM (cc-oci-runtime's stop).")
                .id();
    }

    StopCommand(Main global, Parsed args) {
        this.global = global;
        this.id = args.id();
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        new Lifecycle(global).stop(id);
        return 0;
    }
}
