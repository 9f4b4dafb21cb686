package dev.hull.io;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;

/**
 * Newline-ended UTF-8 lines over a socket, the framing of every socket Hull speaks on besides the agent's:
 * {@code shim.sock}, {@code notify.sock}, {@code pod.sock} and QMP. A line longer than the bound is an
 * error, not a heap's worth.
 */
public final class SocketLines {
    /** The default bound: an exec's process with the largest arguments the agent takes. */
    public static final int MAX_LINE = 4 << 20;

    private final ByteChannel channel;
    private final InputStream in;
    private final int max;

    public SocketLines(ByteChannel channel) {
        this(channel, MAX_LINE);
    }

    public SocketLines(ByteChannel channel, int max) {
        this.channel = channel;
        this.in = new BufferedInputStream(Channels.newInputStream(channel));
        this.max = max;
    }

    /** The next line without its newline, or null at end of input (a last line without one counts). */
    public String read() throws IOException {
        return read(in, max);
    }

    /** Sends {@code line} and its newline (a newline inside it would split it: it becomes a space). */
    public void write(String line) throws IOException {
        ByteBuffer out = ByteBuffer.wrap((line.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            channel.write(out);
        }
    }

    /** As {@link #read()}, from any stream, at most {@code max} bytes. */
    static String read(InputStream bytes, int max) throws IOException {
        var buf = new ByteArrayOutputStream();
        for (int b = bytes.read(); b != '\n'; b = bytes.read()) {
            if (b < 0) {
                return buf.size() == 0 ? null : buf.toString(StandardCharsets.UTF_8);
            }
            if (buf.size() >= max) {
                throw new IOException("line longer than " + max + " bytes");
            }
            buf.write(b);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
