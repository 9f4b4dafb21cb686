package dev.hull.agent;

import java.io.IOException;

/** The peer sent something the protocol does not allow, or answered a request with an error. */
public class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
