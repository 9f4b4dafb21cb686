package dev.hull.ttrpc;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/** Reads and writes ttrpc frames on a byte channel (a unix socket). */
public final class FrameCodec {
    private FrameCodec() {
    }

    /**
     * Reads one frame; null when the peer closed the connection between frames. A length over
     * {@link Frame#MAX_DATA} is a {@link ProtocolException}, before any of the data is read: the stream is
     * then out of step, and the caller closes the connection.
     */
    public static Frame read(ReadableByteChannel in) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(Frame.HEADER_BYTES);
        int got = readFully(in, header);
        if (got == 0) {
            return null;
        }
        if (got < Frame.HEADER_BYTES) {
            throw new EOFException("connection closed inside a frame header");
        }
        header.flip();
        int length = header.getInt();
        int streamId = header.getInt();
        byte type = header.get();
        byte flags = header.get();
        if (length < 0 || length > Frame.MAX_DATA) {
            throw new ProtocolException("frame data of " + Integer.toUnsignedString(length) + " bytes exceeds "
                    + Frame.MAX_DATA);
        }
        ByteBuffer data = ByteBuffer.allocate(length);
        if (readFully(in, data) < length) {
            throw new EOFException("connection closed inside a frame's data");
        }
        return new Frame(streamId, type, flags, data.array());
    }

    public static void write(WritableByteChannel out, Frame frame) throws IOException {
        ByteBuffer bytes = encode(frame);
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    /** The frame's bytes, header first, ready to be written. */
    public static ByteBuffer encode(Frame frame) {
        ByteBuffer bytes = ByteBuffer.allocate(Frame.HEADER_BYTES + frame.data().length);
        bytes.putInt(frame.data().length).putInt(frame.streamId()).put(frame.type()).put(frame.flags());
        return bytes.put(frame.data()).flip();
    }

    /** Fills the buffer unless the stream ends first; how many bytes it holds. */
    private static int readFully(ReadableByteChannel in, ByteBuffer into) throws IOException {
        while (into.hasRemaining()) {
            if (in.read(into) < 0) {
                break;
            }
        }
        return into.position();
    }
}
