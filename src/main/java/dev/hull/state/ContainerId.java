package dev.hull.state;

import dev.hull.error.BadInputException;
import java.util.regex.Pattern;

/** Container ids as runc accepts them: letters, digits and {@code _+-.}, never a path. */
public final class ContainerId {
    /** guest/agent/agent.h's MAX_ID_LENGTH too (ProtocolContractTest): an id is refused here, not after a boot. */
    public static final int MAX_LENGTH = 200;
    private static final Pattern VALID = Pattern.compile("[\\w+.-]+");

    private ContainerId() {
    }

    /** The id, if it is one; else why not, in words for the user. */
    public static String validate(String id) throws BadInputException {
        String wrong = problem(id);
        if (wrong != null) {
            throw new BadInputException(wrong);
        }
        return id;
    }

    public static boolean isValid(String id) {
        return problem(id) == null;
    }

    private static String problem(String id) {
        if (id == null || id.isEmpty()) {
            return "container id must not be empty";
        }
        if (id.length() > MAX_LENGTH) {
            return "container id is " + id.length() + " characters long; the limit is " + MAX_LENGTH;
        }
        if (id.equals(".") || id.equals("..") || !VALID.matcher(id).matches()) {
            return "invalid container id '" + id + "': use letters, digits, '_', '+', '-' and '.', and not '.' or '..'";
        }
        return null;
    }
}
