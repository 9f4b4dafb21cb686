package dev.hull.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The two string rules Hull's hand-read JSON shares: an absent string is null, and null is left out. */
public final class JsonText {
    private JsonText() {
    }

    /** {@code field} of {@code n} as text, or null when it is missing or null. */
    public static String get(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** Puts {@code value} unless it is null. */
    public static void put(ObjectNode n, String field, String value) {
        if (value != null) {
            n.put(field, value);
        }
    }
}
