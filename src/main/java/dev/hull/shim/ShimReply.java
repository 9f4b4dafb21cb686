package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.error.HullException;

/**
 * The shim's answer: {@code error} is null on success; {@code data} carries what was asked for; {@code kind}
 * says which {@link HullException} an error is ({@link HullException.Kind#wire()}; none from an older shim,
 * which the CLI takes for an internal fault).
 */
public record ShimReply(String error, JsonNode data, String kind) {
    public static final ShimReply OK = new ShimReply(null, null, null);

    public ShimReply(String error, JsonNode data) {
        this(error, data, null);
    }

    /** The answer to a request that failed: the exception's message and kind. */
    static ShimReply failed(Exception e) {
        return new ShimReply(HullException.message(e), null, HullException.kindOf(e).wire());
    }

    /** The data, or the shim's error rethrown as the kind it was. */
    JsonNode dataOrThrow() throws HullException {
        if (error == null) {
            return data;
        }
        throw HullException.of(HullException.Kind.fromWire(kind), error);
    }
}
