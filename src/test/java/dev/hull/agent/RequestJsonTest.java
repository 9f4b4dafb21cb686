package dev.hull.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.oci.Process;
import org.junit.jupiter.api.Test;

/** Requests are written the way docs/agent-protocol.md spells them. */
class RequestJsonTest {
    private static JsonNode json(Request r) {
        return AgentClient.JSON.valueToTree(r);
    }

    @Test
    void opNamesTheRequest() {
        assertThat(json(new Request.Hello(1)).toString()).isEqualTo("{\"op\":\"hello\",\"version\":1}");
        assertThat(json(new Request.Shutdown()).toString()).isEqualTo("{\"op\":\"shutdown\"}");
        assertThat(new Request.Wait("c", null).op()).isEqualTo("wait");
    }

    @Test
    void createCarriesTheOciProcessAndStreamIds() {
        JsonNode n = json(new Request.Create("web", "h", true, Process.of("echo", "hi"), null, new Stdio(1, 2, 3)));
        assertThat(n.get("op").asText()).isEqualTo("create");
        assertThat(n.get("container").asText()).isEqualTo("web");
        assertThat(n.get("readonly").asBoolean()).isTrue();
        assertThat(n.has("mounts")).as("absent, not null").isFalse();
        assertThat(n.at("/process/args/1").asText()).isEqualTo("hi");
        assertThat(n.at("/process/user/uid").asInt()).isZero();
        assertThat(n.at("/process/cwd").asText()).isEqualTo("/");
        assertThat(n.at("/stdio/stderr").asInt()).isEqualTo(3);
    }

    @Test
    void waitWithoutExecOmitsIt() {
        assertThat(json(new Request.Wait("c", null)).toString()).isEqualTo("{\"op\":\"wait\",\"container\":\"c\"}");
    }
}
