package dev.hull.agent;

/** The agent understood a request and refused it; the message is the agent's own. */
public final class AgentException extends ProtocolException {
    private static final long serialVersionUID = 1L;

    private final String op;

    public AgentException(String op, String message) {
        super(op + ": " + message);
        this.op = op;
    }

    public String op() {
        return op;
    }
}
