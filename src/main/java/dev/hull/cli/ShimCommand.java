package dev.hull.cli;

import dev.hull.error.HullException;
import dev.hull.logging.Log;
import dev.hull.oci.Bundle;
import dev.hull.shim.HookRunner;
import dev.hull.shim.HostTerminal;
import dev.hull.shim.NotifySocket;
import dev.hull.shim.Shim;
import dev.hull.sys.Libc;
import dev.hull.sys.Namespaces;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The VM owner {@code create} starts for a container that boots its own VM; the container's pid is the
 * anchor this process starts (shim's {@code Anchor}). Not for people.
 */
final class ShimCommand implements Callable<Integer> {
    private final Main global;
    private final Path bundle;
    private final Path notify;
    private final Path consoleSocket;
    private final Path console;
    private final boolean inNetns;
    private final String id;

    static Syntax syntax() {
        return Syntax.command("shim").hidden()
                .internal(Path.class, true, "--bundle")
                .internal(Path.class, true, "--notify")
                .internal(Path.class, false, "--console-socket")
                .internal(Path.class, false, "--console")
                .internal(boolean.class, false, "--in-netns")
                .id();
    }

    ShimCommand(Main global, Parsed args) {
        this.global = global;
        this.bundle = args.value("--bundle", null);
        this.notify = args.value("--notify", null);
        this.consoleSocket = args.value("--console-socket", null);
        this.console = args.value("--console", null);
        this.inNetns = args.flag("--in-netns");
        this.id = args.id();
    }

    /**
     * Hooks run in the network namespace of the CLI that started this shim (the caller's, as with runc),
     * held open here because poststart hooks run after that CLI is gone.
     */
    private HookRunner hookRunner(long launcher) {
        if (!inNetns) {
            return HookRunner.HERE;
        }
        int fd = Namespaces.hold(Path.of("/proc", Long.toString(launcher), "ns", "net"));
        if (fd < 0) {
            Log.warn("cannot open the caller's network namespace: hooks run in the container's");
            return HookRunner.HERE;
        }
        return new HookRunner(List.of("nsenter", "--net=/proc/" + ProcessHandle.current().pid() + "/fd/" + fd, "--"));
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        long launcher = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        // Out of the caller's session: a terminal hang-up or a Ctrl-C for the CLI is not for the container.
        Libc.setsid();
        // The shim's stderr is the container's: a thread's stack trace goes to the log, not to the workload's
        // output.
        Thread.setDefaultUncaughtExceptionHandler((thread, e) ->
                Log.error("uncaught in the shim's " + thread.getName() + ": " + e));
        Shim shim;
        try {
            var b = Bundle.load(bundle);
            shim = Shim.create(global.store(), global.store().read(id), b, Lifecycle.resolveVm(b),
                    new HostTerminal.Source(consoleSocket, console), inNetns, hookRunner(launcher), true);
        } catch (Exception e) {
            Log.error("create " + id + ": " + HullException.message(e));
            NotifySocket.failed(notify, e);
            return 1;
        }
        NotifySocket.ok(notify);
        // The container's pid and status are its anchor's: this process's own status is nobody's.
        return shim.awaitExit();
    }
}
