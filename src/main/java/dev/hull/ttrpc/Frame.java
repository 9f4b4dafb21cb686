package dev.hull.ttrpc;

/**
 * One ttrpc message: a 10-byte header (the data's length and the stream id, both 4-byte big-endian,
 * the message type, the flags) and the data. A unary call is one REQUEST and one RESPONSE on the same
 * odd stream id.
 */
public record Frame(int streamId, byte type, byte flags, byte[] data) {
    public static final int HEADER_BYTES = 10;
    /** The largest data a frame may carry; a longer length is a protocol error. */
    public static final int MAX_DATA = 4 << 20;
    public static final byte REQUEST = 1;
    public static final byte RESPONSE = 2;
    /** Stream data (ttrpc 1.2's streaming): containerd 1.6's shim API makes unary calls only. */
    public static final byte DATA = 3;

    public Frame {
        if (data.length > MAX_DATA) {
            throw new IllegalArgumentException("frame data of " + data.length + " bytes exceeds " + MAX_DATA);
        }
    }

    /** A unary request (no flags) carrying an encoded {@code Request}. */
    public static Frame request(int streamId, byte[] data) {
        return new Frame(streamId, REQUEST, (byte) 0, data);
    }

    /** The response that ends a stream, carrying an encoded {@code Response}. */
    public static Frame response(int streamId, byte[] data) {
        return new Frame(streamId, RESPONSE, (byte) 0, data);
    }
}
