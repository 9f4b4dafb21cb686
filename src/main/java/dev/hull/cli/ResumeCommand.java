package dev.hull.cli;

import dev.hull.core.Verb;
import dev.hull.shim.ShimRequest;
import java.util.concurrent.Callable;

final class ResumeCommand implements Callable<Integer> {
    private final Main global;
    private final String id;

    static Syntax syntax() {
        return Syntax.command("resume", "Resume a paused container.")
                .id();
    }

    ResumeCommand(Main global, Parsed args) {
        this.global = global;
        this.id = args.id();
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        new Lifecycle(global).ask(id, Verb.RESUME, new ShimRequest.Resume(), true);
        return 0;
    }
}
