package dev.hull.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.oci.Process;
import org.junit.jupiter.api.Test;

/** Requests are written the way docs/agent-protocol.md spells them. */
class RequestJsonTest {
    private static JsonNode json(Request r) {
        return RequestJson.tree(r, AgentClient.JSON);
    }

    /** The tree written by hand is what Jackson's binding of the records wrote (the agent reads both). */
    @Test
    void everyRequestIsWhatTheRecordBindingWrote() throws Exception {
        var m = AgentClient.JSON;
        var resources = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        resources.putObject("pids").put("limit", 10);
        Process full = new Process(true, new Process.ConsoleSize(24, 80),
                new Process.User(1000, 1000, 18, java.util.List.of(10, 20)), java.util.List.of("sh"),
                java.util.List.of("A=b"), "/w", java.util.List.of(new Process.Rlimit("RLIMIT_NOFILE", 9, 8)), true,
                new Process.Capabilities(java.util.List.of("CAP_KILL"), java.util.List.of("CAP_KILL"), null,
                        java.util.List.of("CAP_KILL"), java.util.List.of()), -500);
        java.util.List<Request> all = java.util.List.of(new Request.Hello(1),
                new Request.Create("web", "h", true, Process.of("echo", "hi"), null, new Stdio(1, 2, 3)),
                new Request.Create("web", null, false, full,
                        java.util.List.of(new dev.hull.oci.Mount("/d", "bind", "/run/hull/vol/v0", java.util.List.of("ro")),
                                new dev.hull.oci.Mount("/proc", "proc", "proc", null)),
                        new Stdio(0, 4, 4), java.util.List.of(new Request.VolumeShare("v0", true)),
                        java.util.Map.of("kernel.msgmax", "1"), null),
                new Request.Create("web", null, false, Process.of("true"), null, new Stdio(1, 2, 3), null, null,
                        m.readTree("{\"maskedPaths\":[\"/proc/kcore\"],\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"}}")),
                new Request.Create("member", null, false, Process.of("true"), null, new Stdio(1, 2, 3), null, null,
                        null, "root/member", java.util.Map.of("ipc", "sandbox", "uts", "sandbox")),
                new Request.Start("c"), new Request.Exec("c", "e1", full, new Stdio(5, 6, 7)),
                new Request.Signal("c", null, 15, true), new Request.Signal("c", "e1", 9, false),
                new Request.Resize("c", "e1", 24, 80), new Request.Wait("c", "e1"), new Request.Ps("c"),
                new Request.Stats("c"), new Request.Update("c", resources), new Request.Delete("c"),
                new Request.Network(java.util.List.of(new dev.hull.net.Link("eth0", "02:00:00:00:00:01", 1500,
                        java.util.List.of("10.0.0.2/24"))), java.util.List.of(), "127.0.0.11"),
                new Request.Dns(7, "AAA="), new Request.Shutdown(), new Request.SetTime(1_700_000_000_123_456_789L),
                new Request.Freeze("c", true));
        for (Request r : all) {
            assertThat(json(r)).as(r.toString()).isEqualTo(AgentClient.JSON.valueToTree(r));
        }
    }

    @Test
    void resultsAreRead() throws Exception {
        var m = AgentClient.JSON;
        assertThat(RequestJson.result(m.readTree("{\"pid\":5,\"x\":1}"), Results.Pid.class, m))
                .isEqualTo(new Results.Pid(5));
        assertThat(RequestJson.result(m.readTree("{\"code\":137,\"signal\":9}"), Results.ExitStatus.class, m))
                .isEqualTo(new Results.ExitStatus(137, 9));
        assertThat(RequestJson.result(m.readTree("{\"version\":1,\"agent\":\"a\",\"kernel\":\"k\",\"mode\":\"guest\"}"),
                Results.HelloResult.class, m)).isEqualTo(new Results.HelloResult(1, "a", "k", "guest", null));
        assertThat(RequestJson.result(m.readTree("{\"version\":1,\"agent\":\"a\",\"kernel\":\"k\",\"mode\":\"guest\","
                + "\"clock\":{\"clocksource\":\"tsc\",\"clockevent\":\"lapic\",\"resolution\":1}}"),
                Results.HelloResult.class, m)).isEqualTo(new Results.HelloResult(1, "a", "k", "guest",
                        new Results.Clock("tsc", "lapic", 1)));
        assertThat(RequestJson.result(m.readTree("{\"was\":1700000000123456789}"), Results.TimeSet.class, m))
                .isEqualTo(new Results.TimeSet(1_700_000_000_123_456_789L));
        assertThat(RequestJson.result(m.readTree("{}"), Results.Empty.class, m)).isEqualTo(new Results.Empty());
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
