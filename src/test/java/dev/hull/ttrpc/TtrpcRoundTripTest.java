package dev.hull.ttrpc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.hull.ttrpc.wire.Response;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client and a server over a real unix socket, and the server against frames written by hand. */
class TtrpcRoundTripTest {
    private static final String SERVICE = "test.Echo";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private Path socket;
    private final TtrpcServer server = new TtrpcServer();
    private final CountDownLatch slowEntered = new CountDownLatch(1);
    private final CountDownLatch slowReleased = new CountDownLatch(1);

    @BeforeEach
    void serve() throws IOException {
        socket = dir.resolve("ttrpc.sock");
        server.register(SERVICE, "Echo", payload -> payload)
                .register(SERVICE, "Missing", payload -> {
                    throw new TtrpcException(Code.NOT_FOUND, "container " + new String(payload, UTF_8) + " not found");
                })
                .register(SERVICE, "Broken", payload -> {
                    throw new IllegalStateException("a bug");
                })
                .register(SERVICE, "Slow", payload -> {
                    slowEntered.countDown();
                    await(slowReleased);
                    return "slow".getBytes(UTF_8);
                })
                .register(SERVICE, "Release", payload -> {
                    slowReleased.countDown();
                    return "fast".getBytes(UTF_8);
                })
                .serve(socket);
    }

    @AfterEach
    void stop() throws IOException {
        slowReleased.countDown();
        server.close();
    }

    private static void await(CountDownLatch latch) throws TtrpcException {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new TtrpcException(Code.CANCELLED, "interrupted");
        }
    }

    private static String call(TtrpcClient client, String method, String payload) throws Exception {
        return new String(client.call(SERVICE, method, payload.getBytes(UTF_8), TIMEOUT), UTF_8);
    }

    @Test
    void aMethodAnswersItsCall() throws Exception {
        try (TtrpcClient client = TtrpcClient.connect(socket)) {
            assertThat(call(client, "Echo", "hello")).isEqualTo("hello");
            assertThat(call(client, "Echo", "")).isEmpty();
            assertThat(call(client, "Echo", "again")).isEqualTo("again");
        }
    }

    @Test
    void anUnknownServiceOrMethodIsUnimplemented() throws Exception {
        try (TtrpcClient client = TtrpcClient.connect(socket)) {
            assertThatThrownBy(() -> call(client, "Nope", "x")).isInstanceOfSatisfying(TtrpcException.class,
                    e -> assertThat(e.code()).isEqualTo(Code.UNIMPLEMENTED));
            assertThatThrownBy(() -> client.call("test.Other", "Echo", new byte[0], TIMEOUT))
                    .isInstanceOfSatisfying(TtrpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(Code.UNIMPLEMENTED);
                        assertThat(e.code().value()).isEqualTo(12);
                        assertThat(e).hasMessageContaining("test.Other/Echo");
                    });
        }
    }

    @Test
    void aMethodsErrorReachesTheCallerWithItsCodeAndMessage() throws Exception {
        try (TtrpcClient client = TtrpcClient.connect(socket)) {
            assertThatThrownBy(() -> call(client, "Missing", "c1")).isInstanceOfSatisfying(TtrpcException.class,
                    e -> {
                        assertThat(e.code()).isEqualTo(Code.NOT_FOUND);
                        assertThat(e).hasMessage("container c1 not found");
                    });
            assertThatThrownBy(() -> call(client, "Broken", "")).isInstanceOfSatisfying(TtrpcException.class,
                    e -> {
                        assertThat(e.code()).isEqualTo(Code.INTERNAL);
                        assertThat(e).hasMessageContaining("a bug");
                    });
            assertThat(call(client, "Echo", "still there")).isEqualTo("still there");
        }
    }

    @Test
    void callsInFlightAreAnsweredOutOfOrderAndMatchedByStream() throws Exception {
        try (TtrpcClient client = TtrpcClient.connect(socket)) {
            CompletableFuture<String> slow = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    slow.complete(call(client, "Slow", ""));
                } catch (Exception e) {
                    slow.completeExceptionally(e);
                }
            });
            slowEntered.await();
            // Slow's stream (1) is still open; Release (3) is answered first, then frees Slow.
            assertThat(call(client, "Release", "")).isEqualTo("fast");
            assertThat(slow.get()).isEqualTo("slow");
            assertThat(call(client, "Echo", "third")).isEqualTo("third");
        }
    }

    @Test
    void noAnswerInTimeIsDeadlineExceeded() throws Exception {
        try (TtrpcClient client = TtrpcClient.connect(socket)) {
            assertThatThrownBy(() -> client.call(SERVICE, "Slow", new byte[0], Duration.ofMillis(100)))
                    .isInstanceOfSatisfying(TtrpcException.class,
                            e -> assertThat(e.code()).isEqualTo(Code.DEADLINE_EXCEEDED));
            slowReleased.countDown();
            // Slow's late answer is dropped; the connection goes on.
            assertThat(call(client, "Echo", "after")).isEqualTo("after");
        }
    }

    @Test
    void aCallWaitingWhenTheConnectionEndsFails() throws Exception {
        try (TtrpcClient client = TtrpcClient.connect(socket)) {
            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
                try {
                    slowEntered.await();
                    server.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThatThrownBy(() -> call(client, "Slow", "")).isInstanceOf(IOException.class);
            closing.get();
            assertThatThrownBy(() -> call(client, "Echo", "")).isInstanceOf(IOException.class);
        }
    }

    @Test
    void theServerAnswersAFrameWrittenByHand() throws Exception {
        try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            // Request{service "test.Echo", method "Echo", payload "hi"} on stream 1.
            raw.write(ByteBuffer.wrap(TtrpcFrameCodecTest.hex(
                    "00 00 00 15 00 00 00 01 01 00 0a 09 74 65 73 74 2e 45 63 68 6f 12 04 45 63 68 6f 1a 02 68 69")));
            // Response{status {} (OK), payload "hi"} on stream 1.
            assertThat(HexFormat.ofDelimiter(" ").formatHex(readAll(raw, 16)))
                    .isEqualTo("00 00 00 06 00 00 00 01 02 00 0a 00 12 02 68 69");
            // The same request on an even stream: refused, INVALID_ARGUMENT (3).
            raw.write(ByteBuffer.wrap(TtrpcFrameCodecTest.hex(
                    "00 00 00 15 00 00 00 02 01 00 0a 09 74 65 73 74 2e 45 63 68 6f 12 04 45 63 68 6f 1a 02 68 69")));
            Frame refused = FrameCodec.read(raw);
            assertThat(refused.streamId()).isEqualTo(2);
            assertThat(Response.parseFrom(refused.data()).getStatus().getCode()).isEqualTo(3);
        }
    }

    @Test
    void anOversizedLengthClosesTheConnection() throws Exception {
        try (SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            raw.write(ByteBuffer.wrap(TtrpcFrameCodecTest.hex("00 40 00 01 00 00 00 01 01 00")));
            assertTimeoutPreemptively(TIMEOUT, () -> assertThat(raw.read(ByteBuffer.allocate(16))).isEqualTo(-1));
        }
        try (TtrpcClient client = TtrpcClient.connect(socket)) {
            assertThat(call(client, "Echo", "others still served")).isEqualTo("others still served");
        }
    }

    private static byte[] readAll(SocketChannel channel, int bytes) throws IOException {
        ByteBuffer into = ByteBuffer.allocate(bytes);
        while (into.hasRemaining()) {
            assertThat(channel.read(into)).as("bytes read").isNotNegative();
        }
        return into.array();
    }
}
