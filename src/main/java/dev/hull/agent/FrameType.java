package dev.hull.agent;

/** The kinds of frame in the agent protocol; codes are fixed by docs/agent-protocol.md. */
public enum FrameType {
    REQUEST(1),
    RESPONSE(2),
    EVENT(3),
    DATA(4),
    CLOSE(5),
    CREDIT(6);

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public boolean isControl() {
        return this == REQUEST || this == RESPONSE || this == EVENT;
    }

    public static FrameType of(int code) throws ProtocolException {
        for (FrameType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new ProtocolException("unknown frame type " + code);
    }
}
