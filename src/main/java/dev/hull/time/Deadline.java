package dev.hull.time;

import java.time.Duration;
import java.util.Optional;

/**
 * A moment by which a wait ends, and the one polling loop every wait for something without a notice of its
 * own uses (a shim ending, a socket appearing, a process being adopted): look, and look again after
 * {@code every}, until the look finds it or the deadline has passed. Measured on the monotonic clock.
 */
public final class Deadline {
    /** One look: what was waited for, or null while it has not come; it may throw to end the wait. */
    @FunctionalInterface
    public interface Look<T, E extends Exception> {
        T look() throws E;
    }

    /** One look at a condition. */
    @FunctionalInterface
    public interface Condition<E extends Exception> {
        boolean holds() throws E;
    }

    private final Duration total;
    private final long end;

    private Deadline(Duration total) {
        this.total = total;
        this.end = System.nanoTime() + total.toNanos();
    }

    public static Deadline after(Duration total) {
        return new Deadline(total);
    }

    public boolean passed() {
        return System.nanoTime() - end >= 0;
    }

    /** What is left of it, zero once it has passed. */
    public Duration left() {
        return Duration.ofNanos(Math.max(0, end - System.nanoTime()));
    }

    /** The whole wait, as the deadline was given (for messages: "not ready within PT10S"). */
    public Duration total() {
        return total;
    }

    /**
     * Looks every {@code every} until {@code look} finds something, which is returned; empty once the
     * deadline has passed (after one last look), or when this thread is interrupted (its flag stays set).
     */
    public <T, E extends Exception> Optional<T> poll(Duration every, Look<T, E> look) throws E {
        while (true) {
            T seen = look.look();
            if (seen != null) {
                return Optional.of(seen);
            }
            if (passed()) {
                return Optional.empty();
            }
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    /** As {@link #poll} for a condition: whether it came to hold in time. */
    public <E extends Exception> boolean await(Duration every, Condition<E> condition) throws E {
        return poll(every, () -> condition.holds() ? Boolean.TRUE : null).isPresent();
    }

    /** {@link #await} within {@code total}, from now. */
    public static <E extends Exception> boolean within(Duration total, Duration every, Condition<E> condition)
            throws E {
        return after(total).await(every, condition);
    }
}
