package dev.hull.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hull.oci.Process;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShimCodecTest {
    @Test
    void everyRequestSurvivesTheLine() throws Exception {
        var resources = JsonNodeFactory.instance.objectNode();
        resources.putObject("memory").put("limit", 1 << 28);
        List<ShimRequest> all = List.of(new ShimRequest.Start(), new ShimRequest.Kill(15, true),
                new ShimRequest.Pause(), new ShimRequest.Resume(), new ShimRequest.Ps(), new ShimRequest.Stats(),
                new ShimRequest.Update(resources), new ShimRequest.WaitExec("e1"),
                new ShimRequest.Exec("e1", 4242, Process.of("sh", "-c", "echo hi"), "/run/console.sock"),
                new ShimRequest.Exec("e2", 4243, Process.of("true"), null));
        for (ShimRequest r : all) {
            String line = ShimCodec.encode(r);
            assertThat(line).doesNotContain("\n");
            assertThat(ShimCodec.decodeRequest(line)).as(line).isEqualTo(r);
        }
    }

    /** The line format the record binding of earlier Hulls wrote: a running shim and a newer CLI agree. */
    @Test
    void theLinesKeepTheirFormat() throws Exception {
        assertThat(new ObjectMapper().readTree(ShimCodec.encode(new ShimRequest.Kill(9, false))))
                .isEqualTo(new ObjectMapper().readTree("{\"op\":\"kill\",\"signal\":9,\"all\":false}"));
        assertThat(ShimCodec.decodeRequest("{\"op\":\"wait-exec\",\"exec\":\"x\",\"extra\":1}"))
                .isEqualTo(new ShimRequest.WaitExec("x"));
        assertThat(ShimCodec.decodeReply("{\"error\":\"no\"}")).isEqualTo(new ShimReply("no", null));
        assertThat(ShimCodec.decodeReply("{\"data\":{\"pid\":7}}").data().get("pid").asInt()).isEqualTo(7);
        assertThat(ShimCodec.encode(ShimReply.OK)).isEqualTo("{}");
    }

    @Test
    void anUnknownRequestOrALineThatIsNoObjectIsAnError() {
        assertThatThrownBy(() -> ShimCodec.decodeRequest("{\"op\":\"reboot\"}")).isInstanceOf(IOException.class)
                .hasMessageContaining("unknown shim request 'reboot'");
        assertThatThrownBy(() -> ShimCodec.decodeRequest("[]")).isInstanceOf(IOException.class);
    }
}
