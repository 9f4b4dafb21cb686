package dev.hull.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options create, run and start share (runc's, and the seed's --console). */
final class ContainerOptions {
    @Option(names = {"-b", "--bundle"}, description = "bundle folder (default: the current folder)",
            paramLabel = "DIR")
    Path bundle;

    @Option(names = "--pid-file", description = "write the container's pid here", paramLabel = "FILE")
    Path pidFile;

    @Option(names = "--console-socket", description = "unix socket that receives the pty master",
            paramLabel = "PATH")
    Path consoleSocket;

    @Option(names = "--console", description = "terminal to use as the container's console", paramLabel = "TTY")
    Path console;

    @Option(names = "--no-pivot", description = "accepted for compatibility (the guest always pivots)")
    boolean noPivot;

    @Option(names = "--no-new-keyring", description = "accepted for compatibility")
    boolean noNewKeyring;

    @Option(names = "--preserve-fds", description = "accepted for compatibility", paramLabel = "N")
    int preserveFds;

    dev.hull.shim.HostTerminal.Source terminal() {
        return new dev.hull.shim.HostTerminal.Source(consoleSocket, console);
    }
}
