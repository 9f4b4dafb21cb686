package dev.hull.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    private static Frame roundTrip(Frame f) throws Exception {
        var out = new ByteArrayOutputStream();
        FrameCodec.write(Channels.newChannel(out), f);
        return FrameCodec.read(Channels.newChannel(new ByteArrayInputStream(out.toByteArray())));
    }

    @Test
    void headerIsLengthTypeStreamBigEndian() {
        ByteBuffer b = FrameCodec.encode(new Frame(FrameType.DATA, 0x01020304, new byte[] {7, 8}));
        assertThat(b.remaining()).isEqualTo(11);
        assertThat(new byte[] {b.get(0), b.get(1), b.get(2), b.get(3), b.get(4), b.get(5), b.get(8)})
                .containsExactly(0, 0, 0, 2, 4, 1, 4);
    }

    @Test
    void framesSurviveARoundTrip() throws Exception {
        Frame f = roundTrip(Frame.control(FrameType.REQUEST, "{\"id\":1}"));
        assertThat(f.type()).isEqualTo(FrameType.REQUEST);
        assertThat(f.text()).isEqualTo("{\"id\":1}");
        assertThat(roundTrip(Frame.credit(5, 4096)).creditBytes()).isEqualTo(4096);
        assertThat(roundTrip(Frame.close(9)).stream()).isEqualTo(9);
    }

    @Test
    void cleanEndBetweenFramesIsNullButInsideAFrameIsAnError() throws Exception {
        assertThat(FrameCodec.read(Channels.newChannel(new ByteArrayInputStream(new byte[0])))).isNull();
        byte[] partial = {0, 0, 0, 5, 4, 0, 0, 0, 1, 'a'};
        assertThatThrownBy(() -> FrameCodec.read(Channels.newChannel(new ByteArrayInputStream(partial))))
                .isInstanceOf(EOFException.class);
    }

    @Test
    void oversizeUnknownTypeAndMisplacedControlFramesAreRefused() {
        byte[] huge = ByteBuffer.allocate(9).putInt(Frame.MAX_PAYLOAD + 1).put((byte) 4).putInt(1).array();
        assertThatThrownBy(() -> FrameCodec.read(Channels.newChannel(new ByteArrayInputStream(huge))))
                .hasMessageContaining("exceeds");
        byte[] unknown = ByteBuffer.allocate(9).putInt(0).put((byte) 42).putInt(0).array();
        assertThatThrownBy(() -> FrameCodec.read(Channels.newChannel(new ByteArrayInputStream(unknown))))
                .hasMessageContaining("unknown frame type 42");
        assertThatThrownBy(() -> new Frame(FrameType.REQUEST, 3, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
