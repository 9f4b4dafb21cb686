package dev.hull.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonValuesTest {
    /** `state` printed through an ObjectMapper with INDENT_OUTPUT before: the same bytes now. */
    @Test
    void writesWhatTheObjectMapperWrote() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ociVersion", "1.2.0");
        m.put("pid", 42L);
        m.put("owner", "root");
        m.put("annotations", Map.of());
        m.put("list", List.of(1, "two", true));
        m.put("nothing", null);
        ObjectMapper pretty = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        assertThat(JsonValues.write(m, true)).isEqualTo(pretty.writeValueAsString(m));
        assertThat(JsonValues.write(m, false)).isEqualTo(new ObjectMapper().writeValueAsString(m));
    }

    @Test
    void readsWhatItWroteAndTreesOfIt() throws Exception {
        String json = "{\"s\":\"x\",\"n\":7,\"big\":18446744073709551615,\"f\":1.5,\"b\":false,\"z\":null,"
                + "\"o\":{\"a\":[1,{\"k\":\"v\"}]}}";
        Map<String, Object> m = JsonValues.object(json.getBytes(StandardCharsets.UTF_8), "test");
        assertThat(m.get("big")).isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(JsonValues.number(m, "n")).isEqualTo(7);
        assertThat(JsonText.get(m, "s")).isEqualTo("x");
        assertThat(JsonText.get(m, "z")).isNull();
        assertThat(JsonText.get(m, "o")).isNull();
        assertThat(JsonValues.flag(m, "b")).isFalse();
        assertThat(JsonValues.child(m, "o")).containsKey("a");
        assertThat(JsonValues.tree(m)).isEqualTo(new ObjectMapper().readTree(json));
        assertThat(new ObjectMapper().readTree(JsonValues.write(m, false)))
                .isEqualTo(new ObjectMapper().readTree(json));
    }

    /** config.json and an exec's process are read this way: the tree an ObjectMapper would have read. */
    @Test
    void aDocumentsTreeIsTheObjectMappersTree() throws Exception {
        String config = """
                {"ociVersion":"1.0.2","process":{"terminal":false,"user":{"uid":0,"gid":0,"additionalGids":[10]},
                 "args":["sh","-c","echo \\"hi\\" \\u00e9"],"env":["PATH=/bin"],"cwd":"/",
                 "rlimits":[{"type":"RLIMIT_NOFILE","hard":18446744073709551615,"soft":1024}],
                 "oomScoreAdj":0.5,"noNewPrivileges":true},
                 "root":{"path":"rootfs","readonly":false},"hostname":null,"mounts":[],
                 "linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/run/netns/x"}],"big":-9000000000}}
                """;
        byte[] bytes = config.getBytes(StandardCharsets.UTF_8);
        assertThat(JsonValues.tree(bytes)).isEqualTo(new ObjectMapper().readTree(bytes));
        assertThat(JsonValues.tree("  ".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(JsonValues.tree("[1, \"a\"]".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new ObjectMapper().readTree("[1, \"a\"]"));
        assertThatThrownBy(() -> JsonValues.tree("{} {}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> JsonValues.tree("{ \"process\": ".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(JsonProcessingException.class);
    }

    /** shim.sock's answers carry trees (ps, stats): written as the shim's ObjectMapper wrote them. */
    @Test
    void writesATreeAsTheObjectMapperWroteIt() throws Exception {
        var f = JsonNodeFactory.instance;
        var tree = f.objectNode().put("int", 7).put("long", 1L << 40).put("double", 1.0E-5).put("float", 0.5f)
                .put("big", new BigInteger("18446744073709551615")).put("decimal", new BigDecimal("1.50"))
                .put("text", "é\"\n").put("yes", true).putNull("none");
        tree.putArray("list").add(1).addObject().put("k", "v");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", tree);
        assertThat(JsonValues.write(m, false)).isEqualTo(new ObjectMapper().writeValueAsString(Map.of("data", tree)));
        assertThat(JsonValues.write(tree, true))
                .isEqualTo(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(tree));
    }

    @Test
    void anythingButAnObjectIsAnErrorNamingWhatItWas() {
        assertThatThrownBy(() -> JsonValues.object("[1]".getBytes(StandardCharsets.UTF_8), "state.json"))
                .isInstanceOf(IOException.class).hasMessage("state.json is not a JSON object");
        assertThatThrownBy(() -> JsonValues.object("{\"a\":".getBytes(StandardCharsets.UTF_8), "state.json"))
                .isInstanceOf(IOException.class);
    }
}
