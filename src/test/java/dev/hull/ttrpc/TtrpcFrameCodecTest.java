package dev.hull.ttrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.hull.ttrpc.wire.Request;
import dev.hull.ttrpc.wire.Response;
import dev.hull.ttrpc.wire.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Frames and ttrpc's envelope against bytes written by hand from the protocol's description. */
class TtrpcFrameCodecTest {
    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

    static byte[] hex(String text) {
        return HEX.parseHex(text);
    }

    private static Frame read(byte[] bytes) throws Exception {
        return FrameCodec.read(Channels.newChannel(new ByteArrayInputStream(bytes)));
    }

    private static String written(Frame frame) throws Exception {
        var out = new ByteArrayOutputStream();
        FrameCodec.write(Channels.newChannel(out), frame);
        return HEX.formatHex(out.toByteArray());
    }

    @Test
    void aRequestIsLengthStreamTypeFlagsThenData() throws Exception {
        assertThat(written(Frame.request(1, "hello".getBytes())))
                .isEqualTo("00 00 00 05 00 00 00 01 01 00 68 65 6c 6c 6f");
        assertThat(written(Frame.response(0x01020305, new byte[] {9})))
                .isEqualTo("00 00 00 01 01 02 03 05 02 00 09");
    }

    @Test
    void framesAreReadFromTheirBytes() throws Exception {
        Frame frame = read(hex("00 00 00 02 00 00 00 07 03 05 aa bb"));
        assertThat(frame.streamId()).isEqualTo(7);
        assertThat(frame.type()).isEqualTo(Frame.DATA);
        assertThat(frame.flags()).isEqualTo((byte) 5);
        assertThat(frame.data()).containsExactly(0xaa, 0xbb);
        assertThat(read(hex("00 00 00 00 ff ff ff ff 02 00")).streamId()).isEqualTo(-1);
    }

    @Test
    void fourMebibytesIsTheLimit() throws Exception {
        byte[] largest = ByteBuffer.allocate(Frame.HEADER_BYTES + Frame.MAX_DATA)
                .put(hex("00 40 00 00 00 00 00 01 01 00")).array();
        assertThat(read(largest).data()).hasSize(4 * 1024 * 1024);
        assertThatThrownBy(() -> read(hex("00 40 00 01 00 00 00 01 01 00")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("4194305 bytes exceeds 4194304");
        assertThatThrownBy(() -> read(hex("ff ff ff ff 00 00 00 01 01 00")))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("4294967295 bytes");
        assertThatThrownBy(() -> Frame.request(1, new byte[Frame.MAX_DATA + 1]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCleanEndBetweenFramesIsNullButInsideOneAnError() throws Exception {
        assertThat(read(new byte[0])).isNull();
        assertThatThrownBy(() -> read(hex("00 00 00 05 00"))).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> read(hex("00 00 00 05 00 00 00 01 01 00 68 65"))).isInstanceOf(EOFException.class);
    }

    @Test
    void theEnvelopeHasTtrpcsFieldNumbers() {
        Request request = Request.newBuilder().setService("s").setMethod("m")
                .setPayload(ByteString.copyFromUtf8("hi")).setTimeoutNano(1).build();
        assertThat(HEX.formatHex(request.toByteArray())).isEqualTo("0a 01 73 12 01 6d 1a 02 68 69 20 01");
        Response failed = Response.newBuilder().setStatus(Status.newBuilder().setCode(12).setMessage("x")).build();
        assertThat(HEX.formatHex(failed.toByteArray())).isEqualTo("0a 05 08 0c 12 01 78");
    }
}
