package dev.hull.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hello against a scripted agent: what the host sends, and how it takes each kind of answer. */
class AgentClientHelloTest {
    private static final Duration T = Duration.ofSeconds(5);

    @TempDir
    Path dir;
    private ServerSocketChannel server;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();

    @BeforeEach
    void listen() throws Exception {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("agent.sock")));
    }

    @AfterEach
    void close() throws Exception {
        server.close();
    }

    /** A client whose agent answers its first request with {@code result} or {@code error} (JSON text). */
    private AgentClient agentAnswering(String field, String answer) throws Exception {
        Thread.ofPlatform().daemon().start(() -> {
            try (SocketChannel ch = server.accept()) {
                Frame f;
                while ((f = FrameCodec.read(ch)) != null) {
                    JsonNode request = AgentClient.JSON.readTree(f.payload());
                    received.add(request);
                    FrameCodec.write(ch, Frame.control(FrameType.RESPONSE,
                            "{\"id\":" + request.get("id") + ",\"" + field + "\":" + answer + "}"));
                }
            } catch (Exception ignored) {
                // The client went away.
            }
        });
        return AgentClient.connect(dir.resolve("agent.sock"), T);
    }

    @Test
    void helloSendsTheHostsRangeAsTheGoldenFileHasIt() throws Exception {
        try (AgentClient client = agentAnswering("result", GoldenFiles.read("hello.reply.json").get("result")
                .toString())) {
            Results.HelloResult hello = client.hello(T);
            assertThat(hello.version()).isEqualTo(1);
            assertThat(received).containsExactly(GoldenFiles.read("hello.request.json"));
            assertThat(client.greeting()).isEqualTo(hello);
        }
    }

    @Test
    void anAgentWithNoVersionInCommonIsAProtocolErrorNamingBothRanges() throws Exception {
        try (AgentClient client = agentAnswering("error", "{\"code\":\"EPROTO\",\"message\":"
                + "\"the host speaks protocol versions 1 to 1, this agent 2 to 3\"}")) {
            assertThatThrownBy(() -> client.hello(T)).isInstanceOfSatisfying(AgentException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.EPROTO);
                assertThat(e).hasMessage("hello: the host speaks protocol versions 1 to 1, this agent 2 to 3");
            });
        }
    }

    @Test
    void anAgentSettlingOnAVersionThisHostDoesNotSpeakIsAProtocolError() throws Exception {
        try (AgentClient client = agentAnswering("result",
                "{\"version\":2,\"minVersion\":2,\"maxVersion\":3,\"agent\":\"future\"}")) {
            assertThatThrownBy(() -> client.hello(T)).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("the host speaks versions 1 to 1, the agent 2 to 3");
        }
    }

    @Test
    void anOpTheAgentDidNotListIsRefusedWithoutAsking() throws Exception {
        try (AgentClient client = agentAnswering("result",
                "{\"version\":1,\"capabilities\":[\"hello\",\"ps\"],\"agent\":\"small\"}")) {
            client.hello(T);
            assertThatThrownBy(() -> client.freeze("web", true, T)).isInstanceOfSatisfying(AgentException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.ENOSYS)).hasMessageContaining("small");
            assertThat(received).hasSize(1);
        }
    }
}
