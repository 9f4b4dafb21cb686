package dev.hull.ttrpc;

/**
 * A call that ended in a status other than OK: thrown by a {@link Method} to answer with that status, and
 * by {@link TtrpcClient#call} when the server did.
 */
public class TtrpcException extends Exception {
    private static final long serialVersionUID = 1L;
    private final Code code;

    public TtrpcException(Code code, String message) {
        super(message);
        if (code == Code.OK) {
            throw new IllegalArgumentException("an error cannot have the status OK");
        }
        this.code = code;
    }

    public Code code() {
        return code;
    }

    @Override
    public String toString() {
        return code + ": " + getMessage();
    }
}
