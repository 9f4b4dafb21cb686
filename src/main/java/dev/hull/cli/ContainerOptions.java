package dev.hull.cli;

import dev.hull.shim.HostTerminal;
import java.nio.file.Path;

/** The options create, run and start share (runc's, and the seed's --console). */
final class ContainerOptions {
    final Path bundle;
    final Path pidFile;
    final Path consoleSocket;
    final Path console;

    ContainerOptions(Parsed args) {
        bundle = args.value("--bundle", null);
        pidFile = args.value("--pid-file", null);
        consoleSocket = args.value("--console-socket", null);
        console = args.value("--console", null);
    }

    static Syntax add(Syntax syntax) {
        return syntax
                .option(Path.class, "DIR", "bundle folder (default: the current folder)", "-b", "--bundle")
                .option(Path.class, "FILE", "write the container's pid here", "--pid-file")
                .option(Path.class, "PATH", "unix socket that receives the pty master", "--console-socket")
                .option(Path.class, "TTY", "terminal to use as the container's console", "--console")
                .flag("accepted for compatibility (the guest always pivots)", "--no-pivot")
                .flag("accepted for compatibility", "--no-new-keyring")
                .option(int.class, "N", "accepted for compatibility", "--preserve-fds");
    }

    HostTerminal.Source terminal() {
        return new HostTerminal.Source(consoleSocket, console);
    }
}
