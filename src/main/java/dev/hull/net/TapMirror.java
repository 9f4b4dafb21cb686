package dev.hull.net;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.logging.Log;
import dev.hull.json.JsonValues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Carries the container's interfaces to qemu: for each one a tap in the same namespace, and tc ingress
 * filters that redirect every frame arriving on the interface to the tap and every frame from the tap
 * (the guest's) out of the interface. The interface keeps its MAC and addresses; the guest's NIC takes
 * the same MAC, so peers see one host. Unlike macvtap this needs no extra device class on the host, works
 * on any link type the manager chose (veth, macvlan, ipvlan), and leaves nothing when the tap goes.
 *
 * <p>What was added is recorded in {@code network.json} in the container's run folder, so that
 * {@code delete} can remove it from a manager's namespace even when the shim died.
 *
 * @param netns the joined namespace (null: the shim's own, which dies with it)
 */
public record TapMirror(String netns, List<Mirror> mirrors) {
    /** tc filter preference Hull's filters use, so removal touches only them. */
    static final String PREF = "18517";
    private static final String FILE = "network.json";

    /** @param qdiscAdded whether Hull added the interface's ingress qdisc (else it only added a filter) */
    public record Mirror(String link, String tap, boolean qdiscAdded) {
    }

    /**
     * Makes the taps and filters: one {@code ip -batch} and one {@code tc -batch} for all interfaces. What
     * it is about to add is recorded first, so a crash in between leaves nothing unrecorded; on failure
     * it removes what it made and throws.
     */
    public static TapMirror create(IpTool ip, Path netns, Network network, Path runDir) throws NetException {
        List<Mirror> mirrors = new ArrayList<>();
        List<String> links = new ArrayList<>();
        List<String> filters = new ArrayList<>();
        for (int i = 0; i < network.links().size(); i++) {
            Link link = network.links().get(i);
            Mirror m = new Mirror(link.name(), Network.TAP_PREFIX + i, !network.withIngress().contains(link.name()));
            mirrors.add(m);
            links.add("tuntap add dev " + m.tap() + " mode tap vnet_hdr");
            links.add("link set dev " + m.tap() + " mtu " + link.mtu() + " up");
            if (m.qdiscAdded()) {
                filters.add("qdisc add dev " + m.link() + " ingress");
            }
            filters.add(redirect(m.link(), m.tap()));
            filters.add("qdisc add dev " + m.tap() + " ingress");
            filters.add(redirect(m.tap(), m.link()));
        }
        TapMirror mirror = new TapMirror(netns == null ? null : netns.toString(), List.copyOf(mirrors));
        mirror.save(runDir);
        try {
            ip.batch("ip", links, false);
            ip.batch("tc", filters, false);
        } catch (NetException e) {
            mirror.remove(ip);
            forget(runDir);
            throw new NetException("cannot mirror the container's interfaces onto taps: " + e.getMessage(), e);
        }
        return mirror;
    }

    /** Every frame arriving on {@code from} leaves through {@code to}. */
    private static String redirect(String from, String to) {
        return "filter add dev " + from + " parent ffff: pref " + PREF
                + " protocol all u32 match u8 0 0 action mirred egress redirect dev " + to;
    }

    public List<String> taps() {
        return mirrors.stream().map(Mirror::tap).toList();
    }

    /** Removes every tap and filter; what is already gone (the namespace, the interface) is fine. */
    public void remove(IpTool ip) {
        List<String> taps = new ArrayList<>();
        List<String> filters = new ArrayList<>();
        for (Mirror m : mirrors) {
            taps.add("link del dev " + m.tap());
            filters.add(m.qdiscAdded() ? "qdisc del dev " + m.link() + " ingress"
                    : "filter del dev " + m.link() + " parent ffff: pref " + PREF);
        }
        quietly(ip, "ip", taps);
        quietly(ip, "tc", filters);
    }

    private static void quietly(IpTool ip, String tool, List<String> commands) {
        try {
            ip.batch(tool, commands, true);
        } catch (NetException e) {
            Log.debug("network clean-up: " + e.getMessage());
        }
    }

    /** Written as plain values: an ObjectMapper would cost a cold shim ~20 ms before qemu starts. */
    private void save(Path runDir) throws NetException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("netns", netns);
        root.put("mirrors", mirrors.stream().map(m -> {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("link", m.link());
            one.put("tap", m.tap());
            one.put("qdiscAdded", m.qdiscAdded());
            return one;
        }).toList());
        try {
            Files.writeString(runDir.resolve(FILE), JsonValues.write(root, false));
        } catch (IOException e) {
            throw new NetException("cannot record the network set-up in " + runDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * For {@code delete}: removes what a shim recorded in a namespace that outlives it (a manager's).
     * A shim's own namespace went with the shim.
     */
    public static void removeRecorded(Path runDir) {
        Path file = runDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            JsonNode root = JsonValues.tree(Files.readAllBytes(file));
            if (root == null) {
                throw new IOException("it is empty");
            }
            List<Mirror> mirrors = new ArrayList<>();
            root.path("mirrors").forEach(m -> mirrors.add(new Mirror(m.path("link").asText(), m.path("tap").asText(),
                    m.path("qdiscAdded").asBoolean())));
            TapMirror recorded = new TapMirror(root.path("netns").asText(null), mirrors);
            if (recorded.netns() != null && Files.exists(Path.of(recorded.netns()))) {
                recorded.remove(new IpTool(Path.of(recorded.netns())));
            }
            Files.deleteIfExists(file);
        } catch (IOException e) {
            Log.warn("cannot undo the network set-up recorded in " + file + ": " + e.getMessage());
        }
    }

    /**
     * Whether this host can mirror an interface onto a tap (tun, veth, and tc's ingress qdisc, u32 and
     * mirred in its kernel), tried in a throwaway namespace that takes everything with it. Empty: yes.
     */
    public static Optional<String> probe() {
        String script = "ip link add hullprobe0 type veth peer name hullprobe1 && ip tuntap add dev "
                + Network.TAP_PREFIX + "0 mode tap && tc qdisc add dev hullprobe0 ingress && tc "
                + redirect("hullprobe0", Network.TAP_PREFIX + "0");
        try {
            new IpTool(null).run("unshare", "--net", "--", "sh", "-c", script);
            return Optional.empty();
        } catch (NetException e) {
            return Optional.of(e.getMessage().replaceFirst("^'[^']*' failed: ", ""));
        }
    }

    /** After a clean {@link #remove}: nothing is left to undo. */
    public static void forget(Path runDir) {
        try {
            Files.deleteIfExists(runDir.resolve(FILE));
        } catch (IOException e) {
            Log.debug("network.json: " + e.getMessage());
        }
    }
}
