package dev.hull.shim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hull.error.BadInputException;
import dev.hull.error.HullException;
import dev.hull.error.InternalException;
import dev.hull.error.WrongStateException;
import dev.hull.io.SocketLines;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A create's failure reaches the CLI as the kind it was, and an older shim's words still read. */
class NotifySocketTest {
    @TempDir
    Path dir;

    /** What the CLI reads after the shim's side wrote {@code outcome} (null: ok). */
    private String across(Exception outcome) throws IOException {
        Path socket = Files.createTempDirectory(dir, "n").resolve("notify.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            if (outcome == null) {
                NotifySocket.ok(socket);
            } else {
                NotifySocket.failed(socket, outcome);
            }
            try (SocketChannel ch = server.accept()) {
                return new SocketLines(ch).read();
            }
        }
    }

    @Test
    void okIsNoFailureAndAFailureKeepsItsKindAndWords() throws Exception {
        assertThat(NotifySocket.failure(across(null), "silent")).isNull();
        HullException bad = NotifySocket.failure(across(new BadInputException("linux.cgroupsPath ../x leaves the"
                + " cgroup tree")), "silent");
        assertThat(bad).isInstanceOf(BadInputException.class)
                .hasMessage("linux.cgroupsPath ../x leaves the cgroup tree");
        assertThat(NotifySocket.failure(across(new IOException("qemu exited\nwith status 1")), "silent"))
                .isInstanceOf(InternalException.class).hasMessage("qemu exited with status 1");
    }

    @Test
    void anOlderShimsLineAndSilenceAreInternal() {
        assertThat(NotifySocket.failure("error container 'x' is stopped", "silent"))
                .isInstanceOf(InternalException.class).hasMessage("container 'x' is stopped");
        assertThat(NotifySocket.failure("error[wrong-state] gone", "silent"))
                .isInstanceOf(WrongStateException.class).hasMessage("gone");
        assertThat(NotifySocket.failure(null, "the shim failed without saying why"))
                .isInstanceOf(InternalException.class).hasMessage("the shim failed without saying why");
        assertThat(NotifySocket.failure("gibberish", "silent")).isInstanceOf(InternalException.class)
                .hasMessage("gibberish");
    }
}
