package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;

/** The shim's answer: {@code error} is null on success; {@code data} carries what was asked for. */
public record ShimReply(String error, JsonNode data) {
    public static final ShimReply OK = new ShimReply(null, null);
}
