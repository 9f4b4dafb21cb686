package dev.hull.cli;

import dev.hull.error.BadInputException;
import java.util.concurrent.Callable;

/** {@code restore}: runc's verb and its flags, refused as {@link CheckpointCommand} is; nothing is made. */
final class RestoreCommand implements Callable<Integer> {
    private final Main global;

    static Syntax syntax() {
        return CheckpointCommand.criuFlags(Syntax.command("restore",
                "Refused: a container in a VM cannot be restored from a criu checkpoint.")
                .option(String.class, "DIR", "path to criu image files for restoring", "--image-path"))
                .option(String.class, "SOCKET", "AF_UNIX socket to receive the console's master fd",
                        "--console-socket")
                .option(String.class, "DIR", "path to the root of the bundle directory", "-b", "--bundle")
                .flag("detach from the container's process", "-d", "--detach")
                .option(String.class, "FILE", "file to write the process id to", "--pid-file")
                .flag("disable the use of the subreaper", "--no-subreaper")
                .flag("do not use pivot root", "--no-pivot")
                .option(String.class, "TYPE:NAME", "LSM profile to be used during restore", "--lsm-profile")
                .option(String.class, "CONTEXT", "LSM mount context to be used during restore", "--lsm-mount-context")
                .id();
    }

    RestoreCommand(Main global, Parsed args) {
        this.global = global;
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        throw new BadInputException("restore is not supported: " + CheckpointCommand.WHY);
    }
}
