package dev.hull.cli;

import dev.hull.error.BadInputException;
import java.util.concurrent.Callable;

/**
 * {@code checkpoint}: runc's verb and its flags, refused. runc hands the container's processes to criu, which
 * dumps them from the host's kernel; a Hull container's processes live in its VM's kernel, where criu cannot
 * reach them (and a dump of the whole VM is not what a manager would restore with {@code restore}). The
 * container is left as it was.
 */
final class CheckpointCommand implements Callable<Integer> {
    /** Why neither verb can work, in both refusals. */
    static final String WHY = "the container runs in its own virtual machine, out of criu's reach";

    private final Main global;
    private final String id;

    static Syntax syntax() {
        return criuFlags(Syntax.command("checkpoint", "Refused: a container in a VM cannot be checkpointed with criu.")
                .option(String.class, "DIR", "path for saving criu image files", "--image-path"))
                .option(String.class, "DIR", "path for previous criu image files in pre-dump", "--parent-path")
                .flag("leave the process running after checkpointing", "--leave-running")
                .option(String.class, "FD", "criu writes \\0 to this FD once lazy-pages is ready", "--status-fd")
                .option(String.class, "ADDRESS:PORT", "ADDRESS:PORT of the page server", "--page-server")
                .flag("dump container's memory information only", "--pre-dump")
                .id();
    }

    /** The flags runc's checkpoint and restore share (criu's), accepted so that a manager's call parses. */
    static Syntax criuFlags(Syntax verb) {
        return verb.option(String.class, "DIR", "path for saving work files and logs", "--work-path")
                .flag("allow open tcp connections", "--tcp-established")
                .flag("allow external unix sockets", "--ext-unix-sk")
                .flag("allow shell jobs", "--shell-job")
                .flag("handle file locks, for safety", "--file-locks")
                .flag("use userfaultfd to lazily restore memory pages", "--lazy-pages")
                .option(String.class, "MODE", "cgroups mode: soft, full or strict", "--manage-cgroups-mode")
                .repeated(String.class, "NS", "create a namespace, but don't restore its properties", "--empty-ns")
                .flag("enable auto deduplication of memory images", "--auto-dedup");
    }

    CheckpointCommand(Main global, Parsed args) {
        this.global = global;
        this.id = args.id();
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        // runc's order: a container that is not there is that error first.
        global.store().read(id);
        throw new BadInputException("checkpoint is not supported: " + WHY);
    }
}
