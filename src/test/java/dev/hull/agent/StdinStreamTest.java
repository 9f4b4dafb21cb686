package dev.hull.agent;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The guest's credits for stdin are checked: it cannot give back what it was never sent. */
class StdinStreamTest {
    @Test
    void aCreditBeyondWhatWasSentOrNotPositiveBreaksTheStream() throws Exception {
        List<Frame> sent = new ArrayList<>();
        StdinStream in = new StdinStream(3, sent::add);
        in.write(new byte[10]);
        in.credit(10);
        in.credit(1);
        assertThatThrownBy(() -> in.write(new byte[1])).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("credited 1 bytes of stdin stream 3");
        StdinStream other = new StdinStream(4, sent::add);
        other.credit(-5);
        assertThatThrownBy(() -> other.write(new byte[1])).hasMessageContaining("credited 4294967291 bytes");
    }
}
