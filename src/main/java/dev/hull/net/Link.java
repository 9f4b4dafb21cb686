package dev.hull.net;

import java.util.List;

/**
 * An interface of the container's network namespace, as the guest recreates it.
 *
 * @param addresses CIDR notation ("10.88.0.5/16"), the guest adds each
 */
public record Link(String name, String mac, int mtu, List<String> addresses) {
    public Link {
        addresses = List.copyOf(addresses);
    }
}
