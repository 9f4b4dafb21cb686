package dev.hull.state;

import java.util.regex.Pattern;

/** Container ids as runc accepts them: letters, digits and {@code _+-.}, never a path. */
public final class ContainerId {
    /** guest/agent/agent.h's MAX_ID_LENGTH too (ProtocolContractTest): an id is refused here, not after a boot. */
    public static final int MAX_LENGTH = 200;
    private static final Pattern VALID = Pattern.compile("[\\w+.-]+");

    private ContainerId() {
    }

    public static String validate(String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("container id must not be empty");
        }
        if (id.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("container id is " + id.length() + " characters long; the limit is "
                    + MAX_LENGTH);
        }
        if (id.equals(".") || id.equals("..") || !VALID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid container id '" + id
                    + "': use letters, digits, '_', '+', '-' and '.', and not '.' or '..'");
        }
        return id;
    }
}
