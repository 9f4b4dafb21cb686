package dev.hull.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** iproute2 as Hull runs it (read-only commands, in this process's own namespace). */
class IpToolTest {
    private final IpTool ip = new IpTool(null);

    @Test
    void aFailingBatchNamesTheCommandThatFailed() {
        assertThatThrownBy(() -> ip.batch("ip", List.of("link show dev lo", "link show dev hullnonesuch0"), false))
                .isInstanceOf(NetException.class)
                .hasMessageContaining("'ip -batch' failed at 'ip link show dev hullnonesuch0'")
                .hasMessageContaining("hullnonesuch0");
    }

    @Test
    void aForcedBatchStillReportsWhatFailed() {
        assertThatThrownBy(() -> ip.batch("ip", List.of("link show dev hullnonesuch0", "link show dev lo"), true))
                .hasMessageContaining("hullnonesuch0");
    }

    @Test
    void outputIsReturned() throws Exception {
        assertThat(ip.run("ip", "-o", "link", "show", "dev", "lo")).contains("lo:");
    }

    @Test
    void aMissingProgramIsAClearError() {
        assertThatThrownBy(() -> ip.run("hull-no-such-program")).isInstanceOf(NetException.class)
                .hasMessageContaining("hull-no-such-program");
    }
}
