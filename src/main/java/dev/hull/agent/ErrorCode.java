package dev.hull.agent;

/**
 * The code of an agent's error answer (docs/agent-protocol.md, "Errors"): what the host may act on, where
 * the message is for people. The same list as guest/agent/agent.h's AGENT_ERRORS (ProtocolContractTest).
 */
public enum ErrorCode {
    /** Not a request of the protocol: not JSON, no id or op, or no protocol version both sides speak. */
    EPROTO,
    /** An op this agent does not serve. */
    ENOSYS,
    /** A field missing, of the wrong type or out of range. */
    EINVAL,
    /** No such container or process. */
    ENOENT,
    /** The container id, exec name or stream id is in use. */
    EEXIST,
    /** Not in this state: started already, or no longer running. */
    EBUSY,
    /** Not where the agent runs: host mode, or a container without a cgroup. */
    ENOTSUP,
    /** The request was good and the system refused it; the message says why. */
    EFAIL,
    /** A code this host does not know (a newer agent), or none (an agent from before codes). */
    UNKNOWN;

    /** The code named {@code name}, or {@link #UNKNOWN}. */
    public static ErrorCode of(String name) {
        for (ErrorCode c : values()) {
            if (c != UNKNOWN && c.name().equals(name)) {
                return c;
            }
        }
        return UNKNOWN;
    }
}
