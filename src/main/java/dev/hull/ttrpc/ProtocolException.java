package dev.hull.ttrpc;

import java.io.IOException;

/** The peer broke the framing (a length over the limit): the connection cannot be read on. */
public class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
