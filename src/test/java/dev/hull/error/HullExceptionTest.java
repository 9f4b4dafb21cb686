package dev.hull.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class HullExceptionTest {
    @Test
    void eachKindCrossesTheWireAsItselfWithItsMessage() {
        for (HullException.Kind kind : HullException.Kind.values()) {
            HullException again = HullException.of(HullException.Kind.fromWire(kind.wire()), "why");
            assertThat(again.kind()).isEqualTo(kind);
            assertThat(again).hasMessage("why");
        }
        assertThat(HullException.of(HullException.Kind.NOT_FOUND, "x")).isInstanceOf(NotFoundException.class);
        assertThat(HullException.of(HullException.Kind.WRONG_STATE, "x")).isInstanceOf(WrongStateException.class);
        assertThat(HullException.of(HullException.Kind.BAD_INPUT, "x")).isInstanceOf(BadInputException.class);
        assertThat(HullException.of(HullException.Kind.INTERNAL, "x")).isInstanceOf(InternalException.class);
    }

    @Test
    void theWireNamesAreStable() {
        assertThat(HullException.Kind.NOT_FOUND.wire()).isEqualTo("not-found");
        assertThat(HullException.Kind.WRONG_STATE.wire()).isEqualTo("wrong-state");
        assertThat(HullException.Kind.BAD_INPUT.wire()).isEqualTo("bad-input");
        assertThat(HullException.Kind.INTERNAL.wire()).isEqualTo("internal");
    }

    @Test
    void noKindOrAnUnknownOneIsAnInternalFault() {
        assertThat(HullException.Kind.fromWire(null)).isEqualTo(HullException.Kind.INTERNAL);
        assertThat(HullException.Kind.fromWire("gremlins")).isEqualTo(HullException.Kind.INTERNAL);
        assertThat(HullException.kindOf(new IOException("disk"))).isEqualTo(HullException.Kind.INTERNAL);
        assertThat(HullException.kindOf(NotFoundException.container("c"))).isEqualTo(HullException.Kind.NOT_FOUND);
    }

    @Test
    void aCauseIsKept() {
        var cause = new IOException("EACCES");
        assertThat(new BadInputException("cannot read x", cause)).hasCause(cause);
        assertThat(new WrongStateException("gone", cause)).hasCause(cause);
        assertThat(new InternalException("broke", cause)).hasCause(cause);
    }
}
