package dev.hull.error;

/**
 * Hull itself failed: a VM that did not boot, a shim that died, a host call refused. Any exception that
 * is no HullException counts as one too; this type is for a fault Hull words itself or that crossed
 * {@code shim.sock}.
 */
public final class InternalException extends HullException {
    private static final long serialVersionUID = 1L;

    public InternalException(String message) {
        super(message, null);
    }

    public InternalException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Kind kind() {
        return Kind.INTERNAL;
    }
}
