package dev.hull.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hull.json.JsonValues;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the guest must recreate of the container's network namespace: its Ethernet interfaces (loopback,
 * tunnels and Hull's own taps left out) and the main table's routes through them. Routes the kernel makes
 * for an address (proto kernel) are left out: the guest's kernel makes the same ones.
 *
 * @param hullTaps Hull's taps already there: another Hull VM carries this namespace
 * @param withIngress interfaces that have an ingress qdisc already (Hull then adds only its filter)
 */
public record Network(List<Link> links, List<Route> routes, List<String> hullTaps, Set<String> withIngress) {
    /** Hull's taps are named this, then a number; never mirrored themselves. */
    public static final String TAP_PREFIX = "hulltap";


    public Network {
        links = List.copyOf(links);
        routes = List.copyOf(routes);
        hullTaps = List.copyOf(hullTaps);
        withIngress = Set.copyOf(withIngress);
    }

    public Network(List<Link> links, List<Route> routes) {
        this(links, routes, List.of(), Set.of());
    }

    /** Why a namespace with Hull's {@code taps} in it cannot be carried into one more VM. */
    public static String carriedElsewhere(List<String> taps) {
        // One interface cannot be mirrored into two VMs: frames would reach only one of them.
        return "it is already carried into another Hull VM (it has " + String.join(", ", taps)
                + "), which runs under another state root (--root): a pod's containers must share one";
    }

    public boolean isEmpty() {
        return links.isEmpty();
    }

    /**
     * Reads the namespace {@code ip} runs in: addresses, IPv4 and IPv6 routes and qdiscs as four JSON
     * documents from one process (each spawned process costs milliseconds of every create).
     */
    public static Network scan(IpTool ip) throws NetException {
        String out = ip.run("sh", "-c", "ip -j addr show && ip -j -4 route show table main"
                + " && (ip -j -6 route show table main 2>/dev/null || echo '[]') && tc -j qdisc show");
        try {
            // Through the streaming parser: an ObjectMapper here would cost every create ~20 ms before qemu starts.
            List<JsonNode> docs = new ArrayList<>(JsonValues.trees(out.getBytes(StandardCharsets.UTF_8)));
            while (docs.size() < 4) {
                docs.add(JsonNodeFactory.instance.arrayNode());
            }
            return parse(docs.get(0), docs.get(1), docs.get(2), docs.get(3));
        } catch (IOException e) {
            throw new NetException("cannot read the output of 'ip -j' and 'tc -j': " + e.getMessage(), e);
        }
    }

    /**
     * The pure part of {@link #scan}: {@code ip -j addr show}, {@code ip -j -4/-6 route show} and
     * {@code tc -j qdisc show}.
     */
    static Network parse(String addrJson, String v4RoutesJson, String v6RoutesJson, String qdiscJson)
            throws IOException {
        return parse(tree(addrJson), tree(v4RoutesJson), tree(v6RoutesJson), tree(qdiscJson));
    }

    private static JsonNode tree(String json) throws IOException {
        JsonNode n = JsonValues.tree(json.getBytes(StandardCharsets.UTF_8));
        return n == null ? JsonNodeFactory.instance.arrayNode() : n;
    }

    private static Network parse(JsonNode addrs, JsonNode v4Routes, JsonNode v6Routes, JsonNode qdiscs) {
        List<Link> links = new ArrayList<>();
        List<String> taps = new ArrayList<>();
        for (JsonNode l : addrs) {
            String name = l.path("ifname").asText();
            if (name.startsWith(TAP_PREFIX)) {
                taps.add(name);
                continue;
            }
            if (!"ether".equals(l.path("link_type").asText())) {
                continue;
            }
            List<String> addresses = new ArrayList<>();
            for (JsonNode a : l.path("addr_info")) {
                boolean v6 = "inet6".equals(a.path("family").asText());
                // The guest derives the same IPv6 link-local address from the same MAC.
                if (v6 && "link".equals(a.path("scope").asText())) {
                    continue;
                }
                addresses.add(a.path("local").asText() + "/" + a.path("prefixlen").asInt());
            }
            links.add(new Link(name, l.path("address").asText(), l.path("mtu").asInt(1500), addresses));
        }
        Set<String> names = links.stream().map(Link::name).collect(Collectors.toSet());
        List<Route> routes = new ArrayList<>();
        routes(v4Routes, "0.0.0.0/0", names, routes);
        routes(v6Routes, "::/0", names, routes);
        Set<String> ingress = new HashSet<>();
        for (JsonNode q : qdiscs) {
            if ("ingress".equals(q.path("kind").asText())) {
                ingress.add(q.path("dev").asText());
            }
        }
        return new Network(links, routes, taps, ingress);
    }

    private static void routes(JsonNode json, String anywhere, Set<String> devices, List<Route> out) {
        for (JsonNode r : json) {
            String dev = r.path("dev").asText(null);
            boolean unicast = r.path("type").asText("unicast").equals("unicast");
            if (!unicast || dev == null || !devices.contains(dev) || "kernel".equals(r.path("protocol").asText())) {
                continue;
            }
            String dst = r.path("dst").asText();
            boolean onlink = false;
            for (JsonNode flag : r.path("flags")) {
                onlink |= "onlink".equals(flag.asText());
            }
            out.add(new Route("default".equals(dst) ? anywhere : dst, r.path("gateway").asText(null), dev,
                    r.path("prefsrc").asText(null), r.has("metric") ? r.path("metric").asInt() : null, onlink));
        }
    }
}
