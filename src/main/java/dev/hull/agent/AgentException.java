package dev.hull.agent;

/** The agent understood a request and refused it; the message is the agent's own, the code its kind. */
public final class AgentException extends ProtocolException {
    private static final long serialVersionUID = 1L;

    private final String op;
    private final ErrorCode code;

    public AgentException(String op, ErrorCode code, String message) {
        super(op + ": " + message);
        this.op = op;
        this.code = code;
    }

    public String op() {
        return op;
    }

    public ErrorCode code() {
        return code;
    }
}
