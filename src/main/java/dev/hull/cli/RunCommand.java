package dev.hull.cli;

import dev.hull.logging.Log;
import dev.hull.shim.HostTerminal;
import dev.hull.sys.ExitCodes;
import java.nio.file.Path;
import java.util.concurrent.Callable;

final class RunCommand implements Callable<Integer> {
    private final Main global;
    private final ContainerOptions options;
    private final boolean detach;
    private final boolean keep;
    private final String id;

    static Syntax syntax() {
        return ContainerOptions.add(Syntax.command("run",
                "Create and start a container; attached, wait for it and exit with its status."))
                .flag("return once started", "-d", "--detach")
                .flag("keep the container's state after it exits", "--keep")
                .id();
    }

    RunCommand(Main global, Parsed args) {
        this.global = global;
        this.options = new ContainerOptions(args);
        this.detach = args.flag("--detach");
        this.keep = args.flag("--keep");
        this.id = args.id();
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        return createAndStart(global, id, Options.bundle(options.bundle, null), options.pidFile, detach, keep,
                options.terminal());
    }

    /**
     * Attached, this process is the container's shim: it relays stdio and exits with the workload's
     * status. Detached, a shim of its own is started and this returns.
     */
    static int createAndStart(Main global, String id, Path bundle, Path pidFile, boolean detach, boolean keep,
            HostTerminal.Source terminal) throws Exception {
        if (pidFile != null) {
            PidFile.check(pidFile);
        }
        Lifecycle life = new Lifecycle(global);
        var created = life.create(id, bundle, !detach, terminal);
        if (detach) {
            life.handOver(id, pidFile, created.state().pid());
            life.start(id);
            return 0;
        }
        if (created.member() != null) {
            return runMember(life, id, created.member(), pidFile, keep);
        }
        var shim = created.inProcess();
        int code;
        try {
            if (pidFile != null) {
                PidFile.write(pidFile, ProcessHandle.current().pid());
            }
            shim.start();
        } catch (Exception e) {
            shim.kill(ExitCodes.SIGKILL, true);
            shim.awaitExit();
            life.cleanUpAfterRun(id);
            throw e;
        }
        code = shim.awaitExit();
        if (!keep) {
            life.cleanUpAfterRun(id);
        }
        Log.debug("run " + id + " ends with " + code);
        return code;
    }

    /** Attached run of a pod member: its host process is this process's child, and its status the run's. */
    private static int runMember(Lifecycle life, String id, Process member, Path pidFile, boolean keep)
            throws Exception {
        life.handOver(id, pidFile, member.pid());
        try {
            life.start(id);
        } catch (Exception e) {
            life.delete(id, true);
            throw e;
        }
        int code = member.waitFor();
        if (!keep) {
            life.delete(id, true);
        }
        return code;
    }
}
