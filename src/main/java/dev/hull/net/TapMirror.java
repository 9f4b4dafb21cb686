package dev.hull.net;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hull.logging.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
    private static final ObjectMapper JSON = new ObjectMapper();

    /** @param qdiscAdded whether Hull added the interface's ingress qdisc (else it only added a filter) */
    public record Mirror(String link, String tap, boolean qdiscAdded) {
    }

    /** Makes the taps and filters; on failure removes what it made and throws. */
    public static TapMirror create(IpTool ip, Path netns, List<Link> links, Path runDir) throws NetException {
        List<Mirror> made = new ArrayList<>();
        TapMirror mirror = new TapMirror(netns == null ? null : netns.toString(), made);
        try {
            for (int i = 0; i < links.size(); i++) {
                made.add(mirror(ip, links.get(i), Network.TAP_PREFIX + i));
                mirror.save(runDir);
            }
        } catch (NetException e) {
            mirror.remove(ip);
            forget(runDir);
            throw e;
        }
        return new TapMirror(mirror.netns(), List.copyOf(made));
    }

    private static Mirror mirror(IpTool ip, Link link, String tap) throws NetException {
        boolean hadIngress = ip.run("tc", "qdisc", "show", "dev", link.name(), "ingress").contains("ingress");
        try {
            ip.run("ip", "tuntap", "add", "dev", tap, "mode", "tap", "vnet_hdr");
        } catch (NetException e) {
            throw new NetException("cannot add tap " + tap + " for " + link.name()
                    + " in the container's network namespace: " + e.getMessage());
        }
        Mirror m = new Mirror(link.name(), tap, !hadIngress);
        try {
            ip.run("ip", "link", "set", "dev", tap, "mtu", Integer.toString(link.mtu()), "up");
            if (!hadIngress) {
                ip.run("tc", "qdisc", "add", "dev", link.name(), "ingress");
            }
            redirect(ip, link.name(), tap);
            ip.run("tc", "qdisc", "add", "dev", tap, "ingress");
            redirect(ip, tap, link.name());
        } catch (NetException e) {
            undo(ip, m);
            throw e;
        }
        return m;
    }

    private static void redirect(IpTool ip, String from, String to) throws NetException {
        ip.run("tc", "filter", "add", "dev", from, "parent", "ffff:", "pref", PREF, "protocol", "all", "u32", "match",
                "u8", "0", "0", "action", "mirred", "egress", "redirect", "dev", to);
    }

    public List<String> taps() {
        return mirrors.stream().map(Mirror::tap).toList();
    }

    /** Removes every tap and filter; what is already gone (the namespace, the interface) is fine. */
    public void remove(IpTool ip) {
        for (Mirror m : mirrors) {
            undo(ip, m);
        }
    }

    private static void undo(IpTool ip, Mirror m) {
        quietly(ip, "ip", "link", "del", "dev", m.tap());
        if (m.qdiscAdded()) {
            quietly(ip, "tc", "qdisc", "del", "dev", m.link(), "ingress");
        } else {
            quietly(ip, "tc", "filter", "del", "dev", m.link(), "parent", "ffff:", "pref", PREF);
        }
    }

    private static void quietly(IpTool ip, String... argv) {
        try {
            ip.run(argv);
        } catch (NetException e) {
            Log.debug("network clean-up: " + e.getMessage());
        }
    }

    private void save(Path runDir) throws NetException {
        try {
            JSON.writeValue(runDir.resolve(FILE).toFile(), this);
        } catch (IOException e) {
            throw new NetException("cannot record the network set-up in " + runDir + ": " + e.getMessage());
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
            TapMirror recorded = JSON.readValue(file.toFile(), TapMirror.class);
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
    public static java.util.Optional<String> probe() {
        String script = "ip link add hullprobe0 type veth peer name hullprobe1 && ip tuntap add dev " + Network.TAP_PREFIX
                + "0 mode tap && tc qdisc add dev hullprobe0 ingress && tc filter add dev hullprobe0 parent ffff: pref "
                + PREF + " protocol all u32 match u8 0 0 action mirred egress redirect dev " + Network.TAP_PREFIX + "0";
        try {
            new IpTool(null).run("unshare", "--net", "--", "sh", "-c", script);
            return java.util.Optional.empty();
        } catch (NetException e) {
            return java.util.Optional.of(e.getMessage().replaceFirst("^'[^']*' failed: ", ""));
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
