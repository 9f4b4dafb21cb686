package dev.hull.cli;

import java.util.concurrent.Callable;

final class DeleteCommand implements Callable<Integer> {
    private final Main global;
    private final boolean force;
    private final String id;

    static Syntax syntax() {
        return Syntax.command("delete",
                "Delete a container and everything Hull made for it (its VM, sockets and state).")
                .flag("kill a running container first", "-f", "--force")
                .id();
    }

    DeleteCommand(Main global, Parsed args) {
        this.global = global;
        this.force = args.flag("--force");
        this.id = args.id();
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        new Lifecycle(global).delete(id, force);
        return 0;
    }
}
