package dev.hull.state;

/** No container with that id under this root. */
public final class NoSuchContainerException extends Exception {
    private static final long serialVersionUID = 1L;

    public NoSuchContainerException(String id) {
        super("container '" + id + "' does not exist");
    }
}
