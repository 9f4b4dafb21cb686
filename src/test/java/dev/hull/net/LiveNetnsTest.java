package dev.hull.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hull.sys.Namespaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LiveNetnsTest {
    private final LiveNetns live = new LiveNetns();

    @Test
    void readsEachInterfacesDriverFromIpDetails() throws Exception {
        String json = """
                [{"ifname":"lo","link_type":"loopback"},
                 {"ifname":"eth0","link_type":"ether","linkinfo":{"info_kind":"veth"}},
                 {"ifname":"eth7","link_type":"ether"},
                 {"ifname":"br0","link_type":"ether","linkinfo":{"info_kind":"bridge","info_data":{}}}]""";
        assertThat(LiveNetns.parseLinks(json)).containsExactly(new NetnsView.Iface("lo", "loopback", null),
                new NetnsView.Iface("eth0", "ether", "veth"), new NetnsView.Iface("eth7", "ether", null),
                new NetnsView.Iface("br0", "ether", "bridge"));
    }

    @Test
    void findsThisProcessInItsOwnNamespaceWhateverPathNamesIt() {
        long me = ProcessHandle.current().pid();
        assertThat(live.processes(Path.of("/proc/self/ns/net"))).extracting(NetnsView.Proc::pid).contains(me);
        assertThat(live.processes(Path.of("/proc/" + me + "/ns/net"))).extracting(NetnsView.Proc::pid).contains(me);
        assertThat(live.parent(me)).hasValue(ProcessHandle.current().parent().orElseThrow().pid());
    }

    @Test
    void theHostsNamespaceIsKnownByProcess1OrTheKernelsThreads() {
        Path init = Path.of("/proc/1/ns/net");
        Path kthreadd = Path.of("/proc/2/ns/net");
        assumeTrue(Files.isReadable(init) || isKthreadd(), "neither process 1 nor the kernel's threads to look at");
        Path hosts = Files.isReadable(init) ? init : kthreadd;
        assertThat(live.isHosts(hosts)).isTrue();
        assertThat(live.isHosts(Path.of("/proc/self/ns/net"))).isEqualTo(Namespaces.same(hosts,
                Path.of("/proc/self/ns/net")));
    }

    private static boolean isKthreadd() {
        try {
            return Files.readString(Path.of("/proc/2/comm")).strip().equals("kthreadd");
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aPathThatIsNoNamespaceHoldsNobody() {
        assertThat(live.processes(Path.of("/nonexistent/ns"))).isEmpty();
        assertThat(live.isHosts(Path.of("/nonexistent/ns"))).isFalse();
        assertThat(live.parent(-5)).isEmpty();
    }
}
