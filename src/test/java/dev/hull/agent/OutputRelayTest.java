package dev.hull.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the host gives back for an output stream: credit in batches, never beyond what was delivered. */
class OutputRelayTest {
    private static final int PAGE = 4096;

    private static long credited(List<Frame> frames) {
        return frames.stream().mapToLong(f -> ByteBuffer.wrap(f.payload()).getInt()).sum();
    }

    @Test
    void smallFramesAreCreditedInBatchesAndArriveInOrder() throws Exception {
        List<Frame> credits = new CopyOnWriteArrayList<>();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        OutputRelay relay = new OutputRelay(2, sink, credits::add);
        int frames = 2 * Frame.INITIAL_WINDOW / PAGE;
        for (int i = 0; i < frames; i++) {
            byte[] page = new byte[PAGE];
            page[0] = (byte) i;
            while (relayOwes(credits, i) > Frame.INITIAL_WINDOW - PAGE) {
                Thread.onSpinWait();
            }
            relay.accept(page);
        }
        relay.end();
        relay.done().get(10, TimeUnit.SECONDS);
        byte[] out = sink.toByteArray();
        assertThat(out).hasSize(frames * PAGE);
        for (int i = 0; i < frames; i++) {
            assertThat(out[i * PAGE]).isEqualTo((byte) i);
        }
        // One CREDIT per 4 KiB frame woke the guest's agent 128 times here; in batches it is 8.
        assertThat(credits).hasSizeLessThanOrEqualTo(frames * PAGE / OutputRelay.CREDIT_BATCH);
        assertThat(credits).allSatisfy(f -> assertThat(f.type()).isEqualTo(FrameType.CREDIT));
        assertThat(credited(credits)).isEqualTo((long) frames * PAGE);
    }

    private static long relayOwes(List<Frame> credits, int sentFrames) {
        return (long) sentFrames * PAGE - credited(credits);
    }

    @Test
    void aStuckSinkGetsNoCreditAndTheWindowStaysTheBound() throws Exception {
        List<Frame> credits = new CopyOnWriteArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        OutputStream stuck = StuckOutput.until(release);
        OutputRelay relay = new OutputRelay(3, stuck, credits::add);
        for (int i = 0; i < Frame.INITIAL_WINDOW / Frame.MAX_DATA; i++) {
            relay.accept(new byte[Frame.MAX_DATA]);
        }
        Thread.sleep(200);
        assertThat(credits).isEmpty();
        assertThatThrownBy(() -> relay.accept(new byte[1])).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("overran the window of stream 3");
        release.countDown();
        relay.end();
        relay.done().get(10, TimeUnit.SECONDS);
        assertThat(credited(credits)).isEqualTo(Frame.INITIAL_WINDOW);
    }
}
