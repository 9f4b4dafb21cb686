package dev.hull.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.net.Link;
import dev.hull.net.Route;
import dev.hull.oci.Mount;
import dev.hull.oci.Process;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every request the host writes is its golden file (src/test/resources/golden/agent/OP.request.json), and
 * every golden reply reads as the result the host expects: the contract both sides test against (the
 * agent's unit tests parse the same requests and build the same replies).
 */
class AgentGoldenTest {
    static final Process FULL = new Process(true, new Process.ConsoleSize(24, 80),
            new Process.User(1000, 1000, 18, List.of(10, 20)), List.of("sh", "-c", "echo hi"), List.of("A=b"), "/w",
            List.of(new Process.Rlimit("RLIMIT_NOFILE", 9, 8)), true,
            new Process.Capabilities(List.of("CAP_KILL"), List.of("CAP_KILL"), null, List.of("CAP_KILL"), List.of()),
            -500);

    /** clone's golden entropy: the bytes 0 to 31. */
    static final byte[] ENTROPY = new byte[Request.Clone.MIN_ENTROPY];

    static {
        for (int i = 0; i < ENTROPY.length; i++) {
            ENTROPY[i] = (byte) i;
        }
    }

    /** One request of each op, numbered as the golden files number them. */
    static Map<Request, Long> requests() throws Exception {
        var m = AgentClient.JSON;
        ObjectNode resources = m.createObjectNode();
        resources.putObject("memory").put("limit", 268435456);
        resources.putObject("pids").put("limit", 100);
        Map<Request, Long> all = new LinkedHashMap<>();
        List<Request> list = List.of(Request.Hello.ofThisHost(),
                new Request.Create("web", "web", true, FULL,
                        List.of(new Mount("/proc", "proc", "proc", null),
                                new Mount("/data", "bind", "/run/hull/vol/v0", List.of("rbind", "ro"))),
                        new Stdio(1, 2, 3), List.of(new Request.VolumeShare("v0", true)),
                        new TreeMap<>(Map.of("kernel.msgmax", "65536")),
                        m.readTree("{\"maskedPaths\":[\"/proc/kcore\"],"
                                + "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"}}"),
                        "root/web", new TreeMap<>(Map.of("ipc", "sandbox", "pid", "sandbox", "uts", "sandbox"))),
                new Request.Start("web"), new Request.Exec("web", "e1", Process.of("ps"), new Stdio(4, 5, 5)),
                new Request.Signal("web", "e1", 15, false), new Request.Resize("web", "e1", 40, 120),
                new Request.Wait("web", "e1"), new Request.Ps("web"), new Request.Stats("web"),
                new Request.Update("web", resources), new Request.Delete("web"),
                new Request.Network(List.of(new Link("eth0", "02:42:ac:11:00:02", 1500, List.of("172.17.0.2/16"))),
                        List.of(new Route("0.0.0.0/0", "172.17.0.1", "eth0", null, null, false)), "127.0.0.11"),
                new Request.Dns(17, "AAE="), new Request.Shutdown(),
                new Request.SetTime(1_764_620_000_123_456_789L), new Request.Freeze("web", true),
                new Request.Forward(8080, 6, 7), Request.Clone.of(ENTROPY,
                        List.of(new Request.Clone.MacChange("02:68:75:6c:6c:00", "52:54:00:12:34:56"))));
        long id = 1;
        for (Request r : list) {
            all.put(r, id++);
        }
        return all;
    }

    @Test
    void everyRequestIsWrittenAsItsGoldenFile() throws Exception {
        for (var e : requests().entrySet()) {
            ObjectNode n = RequestJson.tree(e.getKey(), AgentClient.JSON);
            n.put("id", e.getValue());
            GoldenFiles.check(e.getKey().op() + ".request.json", n);
        }
    }

    @Test
    void everyOpHasARequestOfItsOwnHere() throws Exception {
        assertThat(requests().keySet().stream().map(Request::op).toList()).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(Request.class.getPermittedSubclasses())
                        .map(c -> Request.op(c.asSubclass(Request.class))).toList());
    }

    private static <T> T result(String op, Class<T> type) throws Exception {
        JsonNode reply = GoldenFiles.read(op + ".reply.json");
        assertThat(reply.path("id").asLong()).as(op).isEqualTo(requests().entrySet().stream()
                .filter(e -> e.getKey().op().equals(op)).findFirst().orElseThrow().getValue());
        assertThat(reply.has("error")).as(op).isFalse();
        return RequestJson.result(reply.get("result"), type, AgentClient.JSON);
    }

    @Test
    void everyGoldenReplyReadsAsItsResult() throws Exception {
        List<String> ops = Arrays.stream(Request.class.getPermittedSubclasses())
                .map(c -> Request.op(c.asSubclass(Request.class))).toList();
        assertThat(result("hello", Results.HelloResult.class)).isEqualTo(new Results.HelloResult(1, 1, 1, ops,
                "hull-agent 0.1.0", "6.1.0-hull", "guest", new Results.Clock("tsc", "lapic", 1)));
        assertThat(result("create", Results.Pid.class)).isEqualTo(new Results.Pid(123));
        assertThat(result("exec", Results.Pid.class)).isEqualTo(new Results.Pid(124));
        assertThat(result("wait", Results.ExitStatus.class)).isEqualTo(new Results.ExitStatus(42, 0));
        assertThat(result("ps", Results.ProcessList.class)).isEqualTo(new Results.ProcessList(
                List.of(new Results.ProcessInfo(123, 1, 0, 1, "sleep 100"))));
        assertThat(result("stats", Results.Stats.class)).isEqualTo(new Results.Stats(
                new Results.Stats.Cpu(1500, 1000, 500), new Results.Stats.Memory(4096, 268435456, 2),
                new Results.Stats.Pids(1, 100)));
        assertThat(result("settime", Results.TimeSet.class))
                .isEqualTo(new Results.TimeSet(1_764_619_991_987_654_321L));
        for (String op : List.of("start", "signal", "resize", "update", "delete", "network", "dns", "shutdown",
                "freeze", "forward", "clone")) {
            assertThat(result(op, Results.Empty.class)).as(op).isEqualTo(new Results.Empty());
            assertThat(GoldenFiles.read(op + ".reply.json").get("result").size()).as(op).isZero();
        }
    }

    @Test
    void theGoldenErrorCarriesItsCodeAndTheAgentsMessage() throws Exception {
        JsonNode reply = GoldenFiles.read("error.reply.json");
        AgentException e = RequestJson.error("start", reply.get("error"));
        assertThat(e.code()).isEqualTo(ErrorCode.ENOENT);
        assertThat(e.getMessage()).isEqualTo("start: no container 'db'");
    }

    @Test
    void anErrorFromBeforeCodesOrWithACodeOfTheFutureIsUnknownButKeepsItsMessage() throws Exception {
        var m = AgentClient.JSON;
        AgentException bare = RequestJson.error("start", m.readTree("\"no container 'db'\""));
        assertThat(bare.code()).isEqualTo(ErrorCode.UNKNOWN);
        assertThat(bare.getMessage()).isEqualTo("start: no container 'db'");
        AgentException future = RequestJson.error("x", m.readTree("{\"code\":\"EWHATEVER\",\"message\":\"m\"}"));
        assertThat(future.code()).isEqualTo(ErrorCode.UNKNOWN);
        assertThat(future.getMessage()).isEqualTo("x: m");
    }

    @Test
    void aHelloFromBeforeRangesAndCapabilitiesIsItsOneVersionAndServesEveryOp() throws Exception {
        Results.HelloResult old = RequestJson.result(AgentClient.JSON.readTree(
                "{\"version\":1,\"agent\":\"a\",\"kernel\":\"k\",\"mode\":\"guest\"}"), Results.HelloResult.class,
                AgentClient.JSON);
        assertThat(old).isEqualTo(new Results.HelloResult(1, 1, 1, null, "a", "k", "guest", null));
        assertThat(old.serves("freeze")).isTrue();
    }

    @Test
    void absentFieldsAreLeftOutNotNull() {
        assertThat(RequestJson.tree(new Request.Wait("c", null), AgentClient.JSON).toString())
                .isEqualTo("{\"op\":\"wait\",\"container\":\"c\"}");
        assertThat(RequestJson.tree(new Request.Create("web", null, false, Process.of("true"), null,
                new Stdio(1, 2, 3)), AgentClient.JSON).has("mounts")).isFalse();
    }
}
