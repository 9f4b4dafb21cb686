package dev.hull.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketLinesTest {
    @TempDir
    Path dir;

    private static ByteArrayInputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aLineEndsAtItsNewlineAndNothingPastItIsRead() throws Exception {
        var in = bytes("{\"op\":\"start\"}\nrest");
        assertThat(SocketLines.read(in, 100)).isEqualTo("{\"op\":\"start\"}");
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("rest");
        assertThat(SocketLines.read(bytes("last"), 100)).isEqualTo("last");
        assertThat(SocketLines.read(bytes(""), 100)).isNull();
    }

    @Test
    void aLineLongerThanTheBoundIsAnError() {
        byte[] endless = new byte[SocketLines.MAX_LINE + 10];
        Arrays.fill(endless, (byte) 'x');
        assertThatThrownBy(() -> SocketLines.read(new ByteArrayInputStream(endless), SocketLines.MAX_LINE))
                .hasMessageContaining("longer than " + SocketLines.MAX_LINE);
    }

    @Test
    void linesCrossAUnixSocketWholeInUtf8() throws Exception {
        var address = UnixDomainSocketAddress.of(dir.resolve("s.sock"));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(address);
            try (SocketChannel client = SocketChannel.open(address); SocketChannel accepted = server.accept()) {
                var writer = new SocketLines(client);
                writer.write("héllo\nworld");
                writer.write("two");
                client.shutdownOutput();
                var reader = new SocketLines(accepted);
                assertThat(reader.read()).isEqualTo("héllo world");
                assertThat(reader.read()).isEqualTo("two");
                assertThat(reader.read()).isNull();
            }
        }
    }
}
