package dev.hull.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Hull's ObjectMappers, configured here once: {@link #mapper()} for the code that binds records or works on
 * trees (the agent protocol, QMP, pod.sock, the shim's answers), {@link #indenting()} for what the CLI prints.
 * A fresh JVM pays ~26 ms for its first ObjectMapper, so neither is made until it is asked for; the CLI's
 * frequent verbs (state, start, kill, delete) never ask, they read and write through {@link JsonValues}.
 *
 * <p>Both follow {@link JsonText}'s rule: a null field is left out when written, and a field that is missing
 * reads as null (an unknown one is ignored), so older and newer Hulls, and the agent, read each other.
 */
public final class Json {
    private Json() {
    }

    /** The one shared mapper (thread-safe once configured, which happens before anyone can see it). */
    public static ObjectMapper mapper() {
        return Shared.MAPPER;
    }

    /**
     * A mapper like {@link #mapper()} whose output is indented as runc's is (Jackson's default pretty
     * printer): the CLI's features, spec, ps and events. A new one on each call; the CLI keeps its own.
     */
    public static ObjectMapper indenting() {
        return configured().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private static ObjectMapper configured() {
        return new ObjectMapper()
                .setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    }

    /** Made on first use only: loading {@link Json} costs nothing. */
    private static final class Shared {
        static final ObjectMapper MAPPER = configured();
    }
}
