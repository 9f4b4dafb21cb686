package dev.hull.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * settime against a scripted agent whose requests and answers each take {@link #DELAY} on the way: the
 * clock it is left with is the host's, not the host's of one delay ago.
 */
class AgentClientClockTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final long DELAY = 60_000_000L;

    @TempDir
    Path dir;

    private static long now() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** The scripted guest's clock: the host's plus {@code offset}, which settime sets. */
    private static final class GuestClock {
        volatile long offset = -3_000_000_000L;
    }

    @Test
    void theGuestsClockIsSetToWhenTheRequestArrivesNotWhenItLeft() throws Exception {
        GuestClock guest = new GuestClock();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(dir.resolve("agent.sock")));
            Thread.ofPlatform().daemon().start(() -> {
                try (SocketChannel ch = server.accept()) {
                    Frame f;
                    while ((f = FrameCodec.read(ch)) != null) {
                        Thread.sleep(DELAY / 1_000_000);
                        JsonNode request = AgentClient.JSON.readTree(f.payload());
                        long was = now() + guest.offset;
                        guest.offset = request.get("realtime").asLong() - now();
                        Thread.sleep(DELAY / 1_000_000);
                        FrameCodec.write(ch, Frame.control(FrameType.RESPONSE,
                                "{\"id\":" + request.get("id") + ",\"result\":{\"was\":" + was + "}}"));
                    }
                } catch (Exception ignored) {
                    // The client went away.
                }
            });
            try (AgentClient client = AgentClient.connect(dir.resolve("agent.sock"), T)) {
                long behind = client.setTime(T);
                // What the guest had before the first request (3 s behind) is what the caller is told.
                assertThat(behind).isBetween(3_000_000_000L - 4 * DELAY, 3_000_000_000L);
                // Set to the time the request left, the clock would be a whole delay behind (-60 ms); the
                // bound leaves room for a loaded machine's scheduling on either side.
                assertThat(guest.offset).as("guest minus host, ns").isBetween(-DELAY / 2, DELAY / 2);
            }
        }
    }
}
