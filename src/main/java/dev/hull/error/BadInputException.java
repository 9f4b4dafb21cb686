package dev.hull.error;

/**
 * What the user gave cannot be used: an option, an id, a bundle, a VM setting. Open to subclasses so a
 * package's own error (a bundle's, a VM configuration's) is bad input without being wrapped.
 */
public non-sealed class BadInputException extends HullException {
    private static final long serialVersionUID = 1L;

    public BadInputException(String message) {
        super(message, null);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Kind kind() {
        return Kind.BAD_INPUT;
    }
}
