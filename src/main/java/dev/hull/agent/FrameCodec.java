package dev.hull.agent;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/** Reads and writes frames on byte channels (a unix socket to the agent or to qemu's chardev). */
public final class FrameCodec {
    private FrameCodec() {
    }

    /** Reads one frame; returns null on a clean end of stream between frames. */
    public static Frame read(ReadableByteChannel in) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(Frame.HEADER_BYTES);
        if (!fill(in, header, true)) {
            return null;
        }
        header.flip();
        int length = header.getInt();
        int type = Byte.toUnsignedInt(header.get());
        int stream = header.getInt();
        if (length < 0 || length > Frame.MAX_PAYLOAD) {
            throw new ProtocolException("frame payload of " + Integer.toUnsignedString(length) + " bytes exceeds "
                    + Frame.MAX_PAYLOAD);
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        fill(in, payload, false);
        FrameType frameType = FrameType.of(type);
        if (frameType.isControl() != (stream == 0)) {
            throw new ProtocolException(frameType + " frame on stream " + stream);
        }
        return new Frame(frameType, stream, payload.array());
    }

    public static void write(WritableByteChannel out, Frame frame) throws IOException {
        ByteBuffer buf = encode(frame);
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }

    public static ByteBuffer encode(Frame frame) {
        ByteBuffer buf = ByteBuffer.allocate(Frame.HEADER_BYTES + frame.payload().length);
        buf.putInt(frame.payload().length).put((byte) frame.type().code()).putInt(frame.stream()).put(frame.payload());
        return buf.flip();
    }

    private static boolean fill(ReadableByteChannel in, ByteBuffer buf, boolean eofAllowedAtStart) throws IOException {
        while (buf.hasRemaining()) {
            if (in.read(buf) < 0) {
                if (eofAllowedAtStart && buf.position() == 0) {
                    return false;
                }
                throw new EOFException("connection closed inside a frame");
            }
        }
        return true;
    }
}
