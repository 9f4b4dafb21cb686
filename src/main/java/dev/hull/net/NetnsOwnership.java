package dev.hull.net;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Whether Hull may take over a network namespace: mirroring it into a VM redirects every frame that
 * arrives on its interfaces to the VM, so whoever else used the namespace loses its traffic. Hull takes
 * only a namespace a container manager made for the container: not the host's, no process in it that
 * Hull did not start, and no interface but loopback and the kinds a manager makes for one container
 * (veth: podman/netavark, CNI's bridge and ptp plugins, docker; macvlan and ipvlan: CNI's plugins of
 * those names, made on a host device and moved into the namespace, where nothing else sees their frames).
 * A physical device, a dummy, a bridge, a VLAN, a tunnel someone made: someone else's, refused.
 */
public final class NetnsOwnership {
    private static final Set<String> CONTAINER_KINDS = Set.of("veth", "macvlan", "ipvlan");

    /**
     * The tunnels the kernel makes in every namespace once the tunnel's module is loaded
     * (net.core.fb_tunnels_only_for_init_net = 0), by name: nobody's, and never mirrored or used.
     */
    private static final Map<String, String> FALLBACK_TUNNELS = Map.of("tunl0", "ipip", "sit0", "sit",
            "ip6tnl0", "ip6tnl", "gre0", "gre", "gretap0", "gretap", "erspan0", "erspan", "ip_vti0", "vti",
            "ip6_vti0", "vti6", "ip6gre0", "ip6gre");

    /** How far up a process's parents are followed to find one of Hull's (a shim's qemu, its helpers). */
    private static final int MAX_DEPTH = 64;

    private NetnsOwnership() {
    }

    /**
     * Why Hull must not take over {@code ns}, or empty when it may. {@code hullPids}: the host processes of
     * Hull's own containers (and this process); their descendants are Hull's too.
     */
    public static Optional<String> whyNot(NetnsView view, Path ns, Set<Long> hullPids) throws NetException {
        if (view.isHosts(ns)) {
            return Optional.of("it is the host's network namespace");
        }
        var interfaces = view.interfaces(ns);
        var taps = interfaces.stream().map(NetnsView.Iface::name).filter(n -> n.startsWith(Network.TAP_PREFIX))
                .toList();
        if (!taps.isEmpty()) {
            return Optional.of(Network.carriedElsewhere(taps));
        }
        for (NetnsView.Proc p : view.processes(ns)) {
            // A process that ended since the scan (no parent any more) holds nothing.
            if (view.parent(p.pid()).isPresent() && !isHulls(view, p.pid(), hullPids)) {
                return Optional.of("process " + p.pid() + " (" + p.name() + ") is in it");
            }
        }
        return interfaces.stream().filter(i -> !isContainers(i)).findFirst()
                .map(i -> "interface " + i.name() + " (" + (i.kind() == null ? "physical" : i.kind()) + ") is in it");
    }

    /** Whether a manager makes such an interface for a container, or the kernel in every namespace. */
    static boolean isContainers(NetnsView.Iface i) {
        if ("loopback".equals(i.linkType())) {
            return true;
        }
        return i.kind() != null
                && (CONTAINER_KINDS.contains(i.kind()) || i.kind().equals(FALLBACK_TUNNELS.get(i.name())));
    }

    private static boolean isHulls(NetnsView view, long pid, Set<Long> hullPids) {
        OptionalLong p = OptionalLong.of(pid);
        for (int depth = 0; depth < MAX_DEPTH && p.isPresent() && p.getAsLong() > 1; depth++) {
            if (hullPids.contains(p.getAsLong())) {
                return true;
            }
            p = view.parent(p.getAsLong());
        }
        return false;
    }
}
