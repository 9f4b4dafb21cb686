package dev.hull.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NetnsOwnershipTest {
    private static final Path NS = Path.of("/run/netns/x");
    private static final NetnsView.Iface LO = new NetnsView.Iface("lo", "loopback", null);
    private static final NetnsView.Iface VETH = new NetnsView.Iface("eth0", "ether", "veth");

    /** A namespace as a test describes it; {@code parents}: pid to parent pid, for every live process. */
    private record Fake(boolean host, List<NetnsView.Proc> procs, Map<Long, Long> parents,
            List<NetnsView.Iface> ifaces) implements NetnsView {
        @Override
        public boolean isHosts(Path ns) {
            return host;
        }

        @Override
        public List<Proc> processes(Path ns) {
            return procs;
        }

        @Override
        public OptionalLong parent(long pid) {
            Long p = parents.get(pid);
            return p == null ? OptionalLong.empty() : OptionalLong.of(p);
        }

        @Override
        public List<Iface> interfaces(Path ns) {
            return ifaces;
        }
    }

    private static Optional<String> why(Fake view, Long... hull) throws NetException {
        return NetnsOwnership.whyNot(view, NS, Set.of(hull));
    }

    private static Fake interfaces(NetnsView.Iface... ifaces) {
        return new Fake(false, List.of(), Map.of(), List.of(ifaces));
    }

    @Test
    void aManagersNamespaceIsHulls() throws Exception {
        assertThat(why(interfaces(LO, VETH))).isEmpty();
        assertThat(why(interfaces(LO))).isEmpty();
        assertThat(why(interfaces(LO, new NetnsView.Iface("net1", "ether", "macvlan"),
                new NetnsView.Iface("net2", "ether", "ipvlan")))).isEmpty();
    }

    @Test
    void theHostsNamespaceIsNot() throws Exception {
        assertThat(why(new Fake(true, List.of(), Map.of(), List.of(LO))))
                .hasValue("it is the host's network namespace");
    }

    @Test
    void anInterfaceNoManagerMakesForAContainerIsNot() throws Exception {
        assertThat(why(interfaces(LO, VETH, new NetnsView.Iface("eth7", "ether", null))))
                .hasValue("interface eth7 (physical) is in it");
        assertThat(why(interfaces(LO, new NetnsView.Iface("d0", "ether", "dummy"))))
                .hasValue("interface d0 (dummy) is in it");
        assertThat(why(interfaces(LO, new NetnsView.Iface("br0", "ether", "bridge"))))
                .hasValue("interface br0 (bridge) is in it");
    }

    @Test
    void theKernelsFallbackTunnelsAreNobodysButATunnelSomeoneMadeIs() throws Exception {
        assertThat(why(interfaces(LO, new NetnsView.Iface("tunl0", "ipip", "ipip"),
                new NetnsView.Iface("gretap0", "ether", "gretap"), VETH))).isEmpty();
        assertThat(why(interfaces(LO, new NetnsView.Iface("tun5", "ipip", "ipip"))))
                .hasValue("interface tun5 (ipip) is in it");
    }

    @Test
    void anotherProcessInItIsNamed() throws Exception {
        var view = new Fake(false, List.of(new NetnsView.Proc(1234, "nginx")), Map.of(1234L, 900L),
                List.of(LO, VETH));
        assertThat(why(view)).hasValue("process 1234 (nginx) is in it");
    }

    @Test
    void hullsProcessesAndTheirChildrenAreHulls() throws Exception {
        // 50: a container's shim; 51: its qemu, through nsenter (52).
        var view = new Fake(false, List.of(new NetnsView.Proc(50, "java"), new NetnsView.Proc(51, "qemu")),
                Map.of(50L, 1L, 51L, 52L, 52L, 50L), List.of(LO, VETH));
        assertThat(why(view, 50L)).isEmpty();
        assertThat(why(view, 7L)).hasValue("process 50 (java) is in it");
    }

    @Test
    void aProcessThatEndedDuringTheScanIsNoOccupant() throws Exception {
        var view = new Fake(false, List.of(new NetnsView.Proc(77, "gone")), Map.of(), List.of(LO));
        assertThat(why(view)).isEmpty();
    }

    @Test
    void anotherHullVmsTapsSayWhichRootToUse() throws Exception {
        var view = new Fake(false, List.of(new NetnsView.Proc(60, "java")), Map.of(60L, 1L),
                List.of(LO, VETH, new NetnsView.Iface("hulltap0", "ether", "tun")));
        assertThat(why(view)).get().asString().contains("already carried into another Hull VM (it has hulltap0)")
                .contains("--root");
    }
}
