package dev.hull.error;

/**
 * The container exists but cannot do that now: its status forbids the verb ({@code dev.hull.core.Verb}
 * holds the rules), or its id is already taken.
 */
public final class WrongStateException extends HullException {
    private static final long serialVersionUID = 1L;

    public WrongStateException(String message) {
        super(message, null);
    }

    public WrongStateException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A container with that id is already known under this root. */
    public static WrongStateException exists(String id) {
        return new WrongStateException("container '" + id + "' already exists");
    }

    /** runc's words for a kill with nothing to signal, which containerd's shim takes for "already gone". */
    public static WrongStateException notRunning(String id) {
        return new WrongStateException("cannot kill container '" + id + "': container not running");
    }

    @Override
    public Kind kind() {
        return Kind.WRONG_STATE;
    }
}
