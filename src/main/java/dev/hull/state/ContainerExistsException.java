package dev.hull.state;

/** A container with that id is already known under this root. */
public final class ContainerExistsException extends Exception {
    private static final long serialVersionUID = 1L;

    public ContainerExistsException(String id) {
        super("container '" + id + "' already exists");
    }
}
