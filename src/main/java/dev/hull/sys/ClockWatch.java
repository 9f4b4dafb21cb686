package dev.hull.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import java.time.Instant;

/**
 * Tells when the host's wall clock has been stepped (settimeofday, an NTP step) or the host resumed from
 * suspend, and otherwise every {@code period}: a CLOCK_REALTIME timerfd armed with
 * TFD_TIMER_CANCEL_ON_SET, read on a daemon thread of its own. Nothing polls.
 */
public final class ClockWatch {
    private static final int CLOCK_REALTIME = 0;
    private static final int TFD_CLOEXEC = 0x80000;
    private static final int TFD_TIMER_ABSTIME = 1;
    private static final int TFD_TIMER_CANCEL_ON_SET = 2;
    private static final int ECANCELED = 125;
    private static final int EINTR = 4;

    private ClockWatch() {
    }

    private static final class Calls {
        static final MethodHandle CREATE = Native.withErrno("timerfd_create",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        static final MethodHandle SETTIME = Native.withErrno("timerfd_settime",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    }

    /** Why the watch fired. */
    public enum Reason { CLOCK_SET, PERIOD }

    /** Callback of {@link #start}. */
    public interface Listener {
        void fired(Reason reason);
    }

    /**
     * Starts the watch on a daemon thread that lives as long as the process; false when the kernel or libc
     * has no timerfd (the caller then only gets what it does itself).
     */
    public static boolean start(Duration period, Listener listener) {
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) Calls.CREATE.invokeExact(arena.allocate(Native.CALL_STATE), CLOCK_REALTIME, TFD_CLOEXEC);
        } catch (Throwable t) {
            return false;
        }
        if (fd < 0) {
            return false;
        }
        Thread.ofPlatform().daemon().name("hull-clock-watch").start(() -> watch(fd, period, listener));
        return true;
    }

    private static void watch(int fd, Duration period, Listener listener) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            MemorySegment spec = arena.allocate(32);
            MemorySegment count = arena.allocate(8);
            for (;;) {
                Instant due = Instant.now().plus(period);
                spec.fill((byte) 0);
                spec.set(ValueLayout.JAVA_LONG, 16, due.getEpochSecond());
                spec.set(ValueLayout.JAVA_LONG, 24, due.getNano());
                int rc = (int) Calls.SETTIME.invokeExact(state, fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, spec,
                        MemorySegment.NULL);
                if (rc < 0) {
                    return;
                }
                long n = (long) Native.Read.H.invokeExact(state, fd, count, 8L);
                if (n == 8) {
                    listener.fired(Reason.PERIOD);
                } else if (n < 0 && Native.errno(state) == ECANCELED) {
                    listener.fired(Reason.CLOCK_SET);
                } else if (!(n < 0 && Native.errno(state) == EINTR)) {
                    return;
                }
            }
        } catch (Throwable t) {
            // The watch ends; the container goes on without it.
        } finally {
            Native.close(fd);
        }
    }
}
