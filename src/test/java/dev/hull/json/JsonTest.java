package dev.hull.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    record Sample(String name, String missing, int n) {
    }

    /** The null rule, for bound records: a null is left out, an unknown field is ignored, a missing one is null. */
    @Test
    void theSharedMapperFollowsTheNullRule() throws Exception {
        assertThat(Json.mapper().writeValueAsString(new Sample("a", null, 1))).isEqualTo("{\"name\":\"a\",\"n\":1}");
        assertThat(Json.mapper().readValue("{\"name\":\"a\",\"n\":1,\"new\":[]}", Sample.class))
                .isEqualTo(new Sample("a", null, 1));
        assertThat(Json.mapper()).isSameAs(Json.mapper());
    }

    @Test
    void theNullRuleOnTreesAndMaps() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        JsonText.put(n, "a", "x");
        JsonText.put(n, "b", null);
        n.putNull("c");
        n.put("d", 5);
        assertThat(n.toString()).isEqualTo("{\"a\":\"x\",\"c\":null,\"d\":5}");
        assertThat(JsonText.get(n, "a")).isEqualTo("x");
        assertThat(JsonText.get(n, "b")).isNull();
        assertThat(JsonText.get(n, "c")).isNull();
        assertThat(JsonText.get(n, "d")).isEqualTo("5");
        Map<String, Object> m = new LinkedHashMap<>();
        JsonText.put(m, "a", "x");
        JsonText.put(m, "b", null);
        JsonText.put(m, "l", List.of());
        m.put("d", 5);
        assertThat(m).containsOnlyKeys("a", "l", "d");
        assertThat(JsonText.get(m, "a")).isEqualTo("x");
        assertThat(JsonText.get(m, "b")).isNull();
        assertThat(JsonText.get(m, "l")).isNull();
        assertThat(JsonText.get(m, "d")).isEqualTo("5");
    }

    /** The CLI prints trees through it (features, spec, ps, events): the bytes a plain indenting mapper wrote. */
    @Test
    void theIndentingMapperWritesWhatThePlainOneDid() throws Exception {
        ObjectNode n = JsonNodeFactory.instance.objectNode().put("ociVersion", "1.2.0").putNull("nothing");
        n.putArray("list").add(1).add("two").addObject().put("k", false);
        n.putObject("empty");
        ObjectMapper before = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        assertThat(Json.indenting().writeValueAsString(n)).isEqualTo(before.writeValueAsString(n)).contains("\n  ");
        assertThat(Json.indenting().writer().withoutFeatures(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(List.of(1, 2))).isEqualTo("[1,2]");
    }
}
