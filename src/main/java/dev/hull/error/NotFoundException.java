package dev.hull.error;

/** What the user named does not exist: a container id, above all. */
public final class NotFoundException extends HullException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message, null);
    }

    /** No container with that id under this root. */
    public static NotFoundException container(String id) {
        return new NotFoundException("container '" + id + "' does not exist");
    }

    @Override
    public Kind kind() {
        return Kind.NOT_FOUND;
    }
}
