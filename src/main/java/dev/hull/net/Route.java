package dev.hull.net;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A route of the container's main table, as the guest adds it.
 *
 * @param destination CIDR ("0.0.0.0/0" for a default route)
 * @param gateway null for a link route
 * @param source preferred source address, or null
 * @param metric null when the manager set none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Route(String destination, String gateway, String device, String source, Integer metric) {
}
