package dev.hull.shim;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemberRequestTest {
    @Test
    void whatTheCliWritesAndHullMemberWrapsReadsBack() throws IOException {
        var sent = new MemberRequest(0, "m1", Path.of("/b"), Path.of("/run/n.sock"), Path.of("/c.sock"), null);
        var read = MemberRequest.parse("{\"pid\":42,\"member\":" + sent.memberJson() + "}");
        assertThat(read).isEqualTo(new MemberRequest(42, "m1", Path.of("/b"), Path.of("/run/n.sock"),
                Path.of("/c.sock"), null));
    }

    @Test
    void anythingElseIsRefusedNamingIt() {
        for (String bad : new String[] {"", "[]", "{\"pid\":0,\"member\":{\"id\":\"a\",\"bundle\":\"/b\","
                + "\"notify\":\"/n\"}}", "{\"pid\":5,\"member\":{\"id\":1,\"bundle\":\"/b\",\"notify\":\"/n\"}}",
                "{\"pid\":5}", "{\"pid\":5,\"member\":{\"id\":\"a\"", "not json"}) {
            assertThatThrownBy(() -> MemberRequest.parse(bad)).as(bad).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("not a member request");
        }
    }
}
