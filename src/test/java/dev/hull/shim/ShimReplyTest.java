package dev.hull.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hull.error.InternalException;
import dev.hull.error.NotFoundException;
import dev.hull.error.WrongStateException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** A refusal crosses shim.sock with its kind, so the CLI throws what the shim threw. */
class ShimReplyTest {
    private static ShimReply across(ShimReply reply) throws IOException {
        return ShimCodec.decodeReply(ShimCodec.encode(reply));
    }

    @Test
    void theKindOfTheShimsExceptionIsTheKindTheCliThrows() throws Exception {
        ShimReply refused = across(ShimReply.failed(WrongStateException.notRunning("c1")));
        assertThat(refused.kind()).isEqualTo("wrong-state");
        assertThatThrownBy(refused::dataOrThrow).isInstanceOf(WrongStateException.class)
                .hasMessage("cannot kill container 'c1': container not running");
        assertThatThrownBy(across(ShimReply.failed(new NotFoundException("no exec 'e1'")))::dataOrThrow)
                .isInstanceOf(NotFoundException.class).hasMessage("no exec 'e1'");
    }

    @Test
    void anyOtherExceptionAndAnOlderShimsReplyAreInternal() throws Exception {
        assertThatThrownBy(across(ShimReply.failed(new IOException("agent gone")))::dataOrThrow)
                .isInstanceOf(InternalException.class).hasMessage("agent gone");
        assertThatThrownBy(ShimCodec.decodeReply("{\"error\":\"no\"}")::dataOrThrow)
                .isInstanceOf(InternalException.class).hasMessage("no");
        assertThatThrownBy(across(ShimReply.failed(new NullPointerException()))::dataOrThrow)
                .hasMessage("java.lang.NullPointerException");
    }

    @Test
    void successCarriesNoKind() throws Exception {
        assertThat(ShimCodec.encode(ShimReply.OK)).isEqualTo("{}");
        assertThat(across(ShimReply.OK).dataOrThrow()).isNull();
    }
}
