package dev.hull.net;

import java.io.IOException;

/** The container's network could not be read, mirrored or cleaned up; the message says what and where. */
public final class NetException extends IOException {
    private static final long serialVersionUID = 1L;

    public NetException(String message) {
        super(message);
    }

    public NetException(String message, Throwable cause) {
        super(message, cause);
    }
}
