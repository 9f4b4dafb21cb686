package dev.hull.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hull.error.BadInputException;
import org.junit.jupiter.api.Test;

class ContainerIdTest {
    @Test
    void runcStyleIdsAreAccepted() throws Exception {
        for (String id : new String[] {"a", "web-1", "x_y.z+1", "0123456789abcdef".repeat(4), "x".repeat(200)}) {
            assertThat(ContainerId.validate(id)).isEqualTo(id);
            assertThat(ContainerId.isValid(id)).as(id).isTrue();
        }
    }

    @Test
    void pathsEmptyAndOverlongIdsAreRefused() {
        assertThatThrownBy(() -> ContainerId.validate("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> ContainerId.validate("x".repeat(201))).hasMessageContaining("the limit is 200");
        for (String bad : new String[] {".", "..", "../x", "a/b", "/abs", "sp ace", "nul\0"}) {
            assertThatThrownBy(() -> ContainerId.validate(bad)).as(bad).isInstanceOf(BadInputException.class)
                    .hasMessageContaining("invalid container id");
            assertThat(ContainerId.isValid(bad)).as(bad).isFalse();
        }
    }
}
