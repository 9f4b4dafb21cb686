package dev.hull.vm;

import dev.hull.error.BadInputException;

/** The VM cannot be configured or started; the message names the cause and where it came from. */
public final class VmException extends BadInputException {
    private static final long serialVersionUID = 1L;

    public VmException(String message) {
        super(message);
    }

    public VmException(String message, Throwable cause) {
        super(message, cause);
    }
}
