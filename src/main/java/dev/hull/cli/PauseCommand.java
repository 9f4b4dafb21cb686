package dev.hull.cli;

import dev.hull.core.Verb;
import dev.hull.shim.ShimRequest;
import java.util.concurrent.Callable;

final class PauseCommand implements Callable<Integer> {
    private final Main global;
    private final String id;

    static Syntax syntax() {
        return Syntax.command("pause", "Pause a container: its whole VM stops until resume.")
                .id();
    }

    PauseCommand(Main global, Parsed args) {
        this.global = global;
        this.id = args.id();
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        new Lifecycle(global).ask(id, Verb.PAUSE, new ShimRequest.Pause(), true);
        return 0;
    }
}
