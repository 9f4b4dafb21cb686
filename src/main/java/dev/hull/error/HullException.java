package dev.hull.error;

import java.util.Locale;

/**
 * An error Hull reports to its user, of one of four kinds. The CLI maps each kind to what it prints and
 * its exit status in one place ({@code dev.hull.cli.Failure}); across {@code shim.sock} the kind travels
 * with the message, so the CLI rethrows what the shim threw. Any other exception is an internal fault.
 */
public abstract sealed class HullException extends Exception
        permits NotFoundException, WrongStateException, BadInputException, InternalException {
    private static final long serialVersionUID = 1L;

    /** The kinds, as {@code shim.sock} names them ({@link #wire()}). */
    public enum Kind {
        NOT_FOUND, WRONG_STATE, BAD_INPUT, INTERNAL;

        public String wire() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** A kind from the wire; none (an older shim) or one this side does not know is internal. */
        public static Kind fromWire(String text) {
            for (Kind k : values()) {
                if (k.wire().equals(text)) {
                    return k;
                }
            }
            return INTERNAL;
        }
    }

    HullException(String message, Throwable cause) {
        super(message, cause);
    }

    public abstract Kind kind();

    /** The exception of that kind again, on the CLI's side of {@code shim.sock}. */
    public static HullException of(Kind kind, String message) {
        return switch (kind) {
            case NOT_FOUND -> new NotFoundException(message);
            case WRONG_STATE -> new WrongStateException(message);
            case BAD_INPUT -> new BadInputException(message);
            case INTERNAL -> new InternalException(message);
        };
    }

    /** An exception's message, or its class when it has none (a NullPointerException says nothing else). */
    public static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** The kind of any exception: one that is not a HullException is an internal fault. */
    public static Kind kindOf(Throwable e) {
        return e instanceof HullException h ? h.kind() : Kind.INTERNAL;
    }
}
