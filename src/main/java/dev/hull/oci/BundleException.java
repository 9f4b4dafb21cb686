package dev.hull.oci;

import dev.hull.error.BadInputException;

/** A bundle Hull cannot run; the message says what is wrong and where. */
public final class BundleException extends BadInputException {
    private static final long serialVersionUID = 1L;

    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
