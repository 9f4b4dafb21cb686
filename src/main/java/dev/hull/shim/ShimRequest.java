package dev.hull.shim;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** What a CLI verb asks of a container's shim over {@code shim.sock}: one JSON line, one JSON answer. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ShimRequest.Start.class, name = "start"),
    @JsonSubTypes.Type(value = ShimRequest.Kill.class, name = "kill"),
})
public sealed interface ShimRequest {
    record Start() implements ShimRequest {
    }

    record Kill(int signal, boolean all) implements ShimRequest {
    }
}
