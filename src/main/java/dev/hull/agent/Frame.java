package dev.hull.agent;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** One frame of the agent protocol: a 9-byte header (length, type, stream) and its payload. */
public record Frame(FrameType type, int stream, byte[] payload) {
    public static final int HEADER_BYTES = 9;
    public static final int MAX_PAYLOAD = 1 << 20;
    public static final int MAX_DATA = 64 * 1024;
    /** Bytes a sender may have in flight on one stream before the receiver credits them. */
    public static final int INITIAL_WINDOW = 256 * 1024;

    public Frame {
        if (payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes exceeds " + MAX_PAYLOAD);
        }
        if (type.isControl() != (stream == 0)) {
            throw new IllegalArgumentException(type + " frame on stream " + stream);
        }
    }

    public static Frame control(FrameType type, String json) {
        return new Frame(type, 0, json.getBytes(StandardCharsets.UTF_8));
    }

    public static Frame credit(int stream, int bytes) {
        return new Frame(FrameType.CREDIT, stream, ByteBuffer.allocate(4).putInt(bytes).array());
    }

    public static Frame close(int stream) {
        return new Frame(FrameType.CLOSE, stream, new byte[0]);
    }

    /** The credit carried by a CREDIT frame. */
    public int creditBytes() throws ProtocolException {
        if (type != FrameType.CREDIT || payload.length != 4) {
            throw new ProtocolException("malformed CREDIT frame on stream " + stream);
        }
        return ByteBuffer.wrap(payload).getInt();
    }

    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }
}
