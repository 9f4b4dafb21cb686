package dev.hull.cli;

import java.util.concurrent.Callable;

final class KillCommand implements Callable<Integer> {
    private final Main global;
    private final boolean all;
    private final String id;
    private final String signal;

    static Syntax syntax() {
        return Syntax.command("kill", "Send a signal (default SIGTERM) to a container's process.")
                .flag("signal every process of the container", "-a", "--all")
                .id()
                .optional(String.class, "SIGNAL", "name or number (default TERM)");
    }

    KillCommand(Main global, Parsed args) {
        this.global = global;
        this.all = args.flag("--all");
        this.id = args.id();
        this.signal = args.positional(1, "TERM");
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        int sig = Signals.parse(signal);
        new Lifecycle(global).kill(id, sig, all);
        return 0;
    }
}
