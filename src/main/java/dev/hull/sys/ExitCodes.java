package dev.hull.sys;

/** The exit status a shell shows, and Hull reports: a process's code, or 128 + the signal that ended it. */
public final class ExitCodes {
    public static final int SIGKILL = 9;
    /** What a process killed with SIGKILL exits with (137); also a workload whose VM was lost. */
    public static final int KILLED = bySignal(SIGKILL);

    private static final int SIGNALLED = 128;

    private ExitCodes() {
    }

    /** The status of a process that {@code signal} ended. */
    public static int bySignal(int signal) {
        return SIGNALLED + signal;
    }
}
