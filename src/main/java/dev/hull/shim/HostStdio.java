package dev.hull.shim;

import dev.hull.sys.ProcessFds;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The host end of the workload's stdio: the pty when it has a terminal, else the streams of the process
 * whose pid is the container's (the shim's own fds, or a member's host process's).
 */
public record HostStdio(HostTerminal tty, OutputStream out, OutputStream err, InputStream in) {
    static HostStdio own(HostTerminal.Source terminal, boolean wantsTty) throws IOException {
        if (wantsTty) {
            return of(HostTerminal.open(terminal));
        }
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        long self = ProcessHandle.current().pid();
        return new HostStdio(null, out, ProcessFds.sameOpenFile(self, 1, 2) ? out
                : new FileOutputStream(FileDescriptor.err), new FileInputStream(FileDescriptor.in));
    }

    /** Another process's stdio, duplicated with pidfd_getfd (the same open files, as if inherited). */
    static HostStdio ofProcess(long pid, HostTerminal.Source terminal, boolean wantsTty) throws IOException {
        return wantsTty ? of(HostTerminal.open(terminal)) : ofProcess(pid);
    }

    static HostStdio ofProcess(long pid) throws IOException {
        OutputStream out = ProcessFds.output(pid, 1);
        return new HostStdio(null, out, ProcessFds.sameOpenFile(pid, 1, 2) ? out : ProcessFds.output(pid, 2),
                ProcessFds.input(pid, 0));
    }

    /** A terminal: the pty carries input and output, and stderr is stdout. */
    static HostStdio of(HostTerminal tty) {
        return new HostStdio(tty, tty.out(), null, tty.in());
    }
}
