package dev.hull.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The few libc calls Java has no API for, through the Foreign Function &amp; Memory API. Each handle is
 * linked on first use: linking costs milliseconds of start-up, and most verbs need none.
 */
public final class Libc {

    private Libc() {
    }

    private static final class Setsid {
        static final MethodHandle H = Native.link("setsid", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    }

    private static final class Prctl {
        static final MethodHandle H = Native.link("prctl", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG));
    }

    private static final class Exit {
        static final MethodHandle H = Native.link("_exit", FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
    }

    private static final class Waitpid {
        static final MethodHandle H = Native.link("waitpid", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }

    /**
     * Waits for a child (or, as a subreaper, an adopted orphan) and returns its exit code, or 128+signal
     * when a signal ended it: the same number a shell shows.
     */
    public static int waitpid(int pid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(ValueLayout.JAVA_INT);
            int rc = (int) Waitpid.H.invokeExact(pid, status, 0);
            if (rc != pid) {
                throw new IllegalStateException("waitpid(" + pid + ") failed");
            }
            int st = status.get(ValueLayout.JAVA_INT, 0);
            // The wait status's layout (<sys/wait.h>): the terminating signal in the low 7 bits, else the
            // exit code in the next byte.
            return (st & 0x7f) == 0 ? (st >> 8) & 0xff : ExitCodes.bySignal(st & 0x7f);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("waitpid failed", t);
        }
    }

    /** Starts a new session, so the shim outlives the terminal or process group it was created from. */
    public static int setsid() {
        try {
            return (int) Setsid.H.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("setsid failed", t);
        }
    }

    private static final int PR_SET_CHILD_SUBREAPER = 36;

    /** Makes orphaned descendants (of qemu, say) children of this process, so it can reap them. */
    public static void becomeSubreaper() {
        try {
            int rc = (int) Prctl.H.invokeExact(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
            if (rc != 0) {
                throw new IllegalStateException("prctl(PR_SET_CHILD_SUBREAPER) failed");
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("prctl failed", t);
        }
    }

    /** _exit(2): ends the process at once, without the JVM's shutdown (see {@code Main.main}). */
    public static void exitNow(int code) {
        try {
            Exit.H.invokeExact(code);
        } catch (Throwable t) {
            throw new IllegalStateException("_exit failed", t);
        }
    }
}
