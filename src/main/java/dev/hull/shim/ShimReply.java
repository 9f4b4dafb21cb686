package dev.hull.shim;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/** The shim's answer: {@code error} is null on success. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ShimReply(String error) {
    public static final ShimReply OK = new ShimReply(null);
}
