package dev.hull.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * The null rule of every JSON file and line Hull writes and reads, in one place: a null field is left out,
 * and a field that is missing (or null) reads as null. It is what lets a newer Hull read an older one's
 * state.json or shim.sock line and the other way round. {@link Json}'s mappers follow it too (NON_NULL).
 * Here for the two shapes Hull's hand-written JSON takes: trees ({@link ObjectNode}) and plain values
 * ({@link Map}, {@link JsonValues}).
 */
public final class JsonText {
    private JsonText() {
    }

    /** {@code field} of {@code n} as text (a number or boolean as its text), or null when it is missing or null. */
    public static String get(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** {@code field} of {@code m} as text, as {@link #get(JsonNode, String)} reads it (an object or list: null). */
    public static String get(Map<String, Object> m, String field) {
        Object v = m.get(field);
        return v == null || v instanceof Map || v instanceof List ? null : v.toString();
    }

    /** Puts {@code value} unless it is null. */
    public static void put(ObjectNode n, String field, String value) {
        if (value != null) {
            n.put(field, value);
        }
    }

    /** Puts {@code value} unless it is null. */
    public static void put(Map<String, Object> m, String field, Object value) {
        if (value != null) {
            m.put(field, value);
        }
    }
}
