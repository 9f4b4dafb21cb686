package dev.hull.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON as plain Java values (Map, List, String, Integer/Long/BigInteger, Double, Boolean, null) through Jackson's
 * streaming parser and generator only. A fresh JVM pays ~26 ms for its first ObjectMapper and ~7 ms for jackson-core
 * alone, and the small files of the CLI's frequent verbs (state.json, shim.sock's lines, state's output) need
 * nothing more. Trees ({@link JsonNode}) are read and written here too, without an ObjectMapper: config.json,
 * an exec's process, shim.sock's data. Missing and null fields follow {@link JsonText}'s rule.
 */
public final class JsonValues {
    /** The factory of every parser and generator Hull makes itself (the mappers of {@link Json} have theirs). */
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonValues() {
    }

    /** The object {@code json} holds; anything else is an error saying {@code what} it was. */
    public static Map<String, Object> object(byte[] json, String what) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(what + " is not a JSON object");
            }
            return readObject(p);
        }
    }

    /**
     * The tree of a whole document ({@code null} when there is none), as an ObjectMapper's readTree gives
     * it (the same node types), without making one: config.json and an exec's process are read as trees.
     */
    public static JsonNode tree(byte[] json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() == null) {
                return null;
            }
            JsonNode n = tree(value(p));
            if (p.nextToken() != null) {
                throw new JsonParseException(p, "more than one JSON value");
            }
            return n;
        }
    }

    /** Every document of a stream of them, one after the other (as {@code ip -j} commands in a row print). */
    public static List<JsonNode> trees(byte[] json) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (JsonParser p = FACTORY.createParser(json)) {
            while (p.nextToken() != null) {
                docs.add(tree(value(p)));
            }
        }
        return docs;
    }

    private static Map<String, Object> readObject(JsonParser p) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            m.put(name, value(p));
        }
        return m;
    }

    private static Object value(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case START_OBJECT -> readObject(p);
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(p));
                }
                yield list;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            case VALUE_NULL -> null;
            default -> throw new IOException("unexpected JSON token " + p.currentToken());
        };
    }

    /** A whole-number field, {@code 0} when it is missing or not a number. */
    public static long number(Map<String, Object> m, String field) {
        return m.get(field) instanceof Number n ? n.longValue() : 0;
    }

    /** A boolean field, {@code false} when it is missing or not a boolean. */
    public static boolean flag(Map<String, Object> m, String field) {
        return Boolean.TRUE.equals(m.get(field));
    }

    /** An object field, or null. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> child(Map<String, Object> m, String field) {
        return m.get(field) instanceof Map<?, ?> c ? (Map<String, Object>) c : null;
    }

    /** {@code value} as JSON text, compact or indented as Jackson's default pretty printer indents. */
    public static String write(Object value, boolean pretty) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            if (pretty) {
                g.useDefaultPrettyPrinter();
            }
            write(g, value);
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, Object value) throws IOException {
        switch (value) {
            case null -> g.writeNull();
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (var e : m.entrySet()) {
                    g.writeFieldName(e.getKey().toString());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case List<?> l -> {
                g.writeStartArray();
                for (Object o : l) {
                    write(g, o);
                }
                g.writeEndArray();
            }
            case JsonNode n -> writeTree(g, n);
            case String s -> g.writeString(s);
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case BigInteger b -> g.writeNumber(b);
            case Double d -> g.writeNumber(d);
            case Boolean b -> g.writeBoolean(b);
            default -> throw new IOException("cannot write " + value.getClass().getName() + " as JSON");
        }
    }

    /**
     * A tree (an exec's process, an update's resources, a shim's answer) without an ObjectMapper to write it,
     * byte for byte as an ObjectMapper writes it (each number as the type the node holds).
     */
    private static void writeTree(JsonGenerator g, JsonNode n) throws IOException {
        switch (n) {
            case ObjectNode o -> {
                g.writeStartObject();
                for (var e : o.properties()) {
                    g.writeFieldName(e.getKey());
                    writeTree(g, e.getValue());
                }
                g.writeEndObject();
            }
            case ArrayNode a -> {
                g.writeStartArray();
                for (JsonNode e : a) {
                    writeTree(g, e);
                }
                g.writeEndArray();
            }
            default -> {
                if (n.isTextual()) {
                    g.writeString(n.textValue());
                } else if (n.isNumber()) {
                    writeNumber(g, n);
                } else if (n.isBoolean()) {
                    g.writeBoolean(n.booleanValue());
                } else {
                    g.writeNull();
                }
            }
        }
    }

    private static void writeNumber(JsonGenerator g, JsonNode n) throws IOException {
        switch (n.numberType()) {
            case INT -> g.writeNumber(n.intValue());
            case LONG -> g.writeNumber(n.longValue());
            case BIG_INTEGER -> g.writeNumber(n.bigIntegerValue());
            case FLOAT -> g.writeNumber(n.floatValue());
            case DOUBLE -> g.writeNumber(n.doubleValue());
            case BIG_DECIMAL -> g.writeNumber(n.decimalValue());
        }
    }

    /** A plain value as a tree, for callers that take one (ps and stats results). */
    public static JsonNode tree(Object value) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (value) {
            case null -> f.nullNode();
            case Map<?, ?> m -> {
                ObjectNode o = f.objectNode();
                m.forEach((k, v) -> o.set(k.toString(), tree(v)));
                yield o;
            }
            case List<?> l -> {
                ArrayNode a = f.arrayNode();
                l.forEach(v -> a.add(tree(v)));
                yield a;
            }
            case String s -> f.textNode(s);
            case Integer i -> f.numberNode(i);
            case Long l -> f.numberNode(l);
            case BigInteger b -> f.numberNode(b);
            case Double d -> f.numberNode(d);
            case Boolean b -> f.booleanNode(b);
            default -> f.textNode(value.toString());
        };
    }
}
