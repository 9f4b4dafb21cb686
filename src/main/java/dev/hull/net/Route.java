package dev.hull.net;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A route of the container's main table, as the guest adds it.
 *
 * @param destination CIDR ("0.0.0.0/0" for a default route)
 * @param gateway null for a link route
 * @param source preferred source address, or null
 * @param metric null when the manager set none
 * @param onlink the gateway is on the link though no address's subnet holds it (Calico's 169.254.1.1)
 */
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record Route(String destination, String gateway, String device, String source, Integer metric,
        boolean onlink) {
    public Route(String destination, String gateway, String device, String source, Integer metric) {
        this(destination, gateway, device, source, metric, false);
    }
}
