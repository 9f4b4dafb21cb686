package dev.hull.cli;

/** A runtime error to report to the user as is: printed on stderr, logged, exit status 1. */
final class HullException extends Exception {
    private static final long serialVersionUID = 1L;

    HullException(String message) {
        super(message);
    }

    HullException(String message, Throwable cause) {
        super(message, cause);
    }
}
