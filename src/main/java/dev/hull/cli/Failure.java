package dev.hull.cli;

import dev.hull.error.BadInputException;
import dev.hull.error.HullException;
import dev.hull.error.InternalException;
import dev.hull.error.NotFoundException;
import dev.hull.error.WrongStateException;

/**
 * What the CLI prints for an exception that ended a verb (after {@code hull: }) and the status it exits
 * with: the one place an error becomes what a user sees. runc prints the error and exits 1 whatever went
 * wrong, and managers match its words (containerd takes "container not running" for "already gone"), so
 * every kind prints its message as it is and exits 1. Any exception that is no HullException is an
 * internal fault.
 */
record Failure(String message, int exitCode) {
    /** runc's status for any error. */
    static final int EXIT_ERROR = 1;

    static Failure of(Exception e) {
        return switch (e) {
            case NotFoundException n -> new Failure(n.getMessage(), EXIT_ERROR);
            case WrongStateException w -> new Failure(w.getMessage(), EXIT_ERROR);
            case BadInputException b -> new Failure(b.getMessage(), EXIT_ERROR);
            case InternalException i -> new Failure(HullException.message(i), EXIT_ERROR);
            default -> new Failure(HullException.message(e), EXIT_ERROR);
        };
    }

    /** The chain of causes behind {@code e}, for the debug log: what the message alone does not say. */
    static String causes(Throwable e) {
        StringBuilder out = new StringBuilder();
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            out.append(out.isEmpty() ? "caused by " : "; by ").append(c);
        }
        return out.toString();
    }
}
