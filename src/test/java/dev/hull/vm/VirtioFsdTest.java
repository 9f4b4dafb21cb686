package dev.hull.vm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VirtioFsdTest {
    @Test
    void aCommaOrBackslashInTheSourceStaysInThePath() {
        assertThat(VirtioFsd.fuseEscaped("/var/lib/a,b\\c")).isEqualTo("/var/lib/a\\,b\\\\c");
        assertThat(VirtioFsd.fuseEscaped("/plain/path")).isEqualTo("/plain/path");
    }
}
