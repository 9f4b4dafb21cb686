package dev.hull.net;

import java.util.List;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/** What the guest is told to recreate, from iproute2's JSON as Debian 12's ip prints it. */
class NetworkTest {
    private static final String ADDR = """
            [{"ifindex":1,"ifname":"lo","mtu":65536,"link_type":"loopback","address":"00:00:00:00:00:00",
              "addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host"}]},
             {"ifindex":2,"ifname":"tunl0","mtu":1480,"link_type":"ipip","address":"0.0.0.0","addr_info":[]},
             {"ifindex":3,"link":"veth1","ifname":"eth0","mtu":1450,"link_type":"ether","address":"da:0a:b2:4f:c7:9b",
              "addr_info":[{"family":"inet","local":"10.9.0.5","prefixlen":16,"scope":"global"},
                           {"family":"inet6","local":"fd00::5","prefixlen":64,"scope":"global"},
                           {"family":"inet6","local":"fe80::d80a:b2ff:fe4f:c79b","prefixlen":64,"scope":"link"}]},
             {"ifindex":4,"ifname":"hulltap0","mtu":1450,"link_type":"ether","address":"2e:cc:ab:f9:f3:9f",\
            "addr_info":[]}]
            """;
    private static final String V4 = """
            [{"dst":"default","gateway":"10.9.0.1","dev":"eth0","flags":[]},
             {"dst":"10.9.0.0/16","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"10.9.0.5","flags":[]},
             {"dst":"192.168.7.0/24","dev":"eth0","scope":"link","flags":[]},
             {"dst":"198.51.100.0/24","gateway":"169.254.1.1","dev":"eth0","flags":["onlink"]},
             {"type":"unreachable","dst":"10.10.0.0/16","flags":[]},
             {"dst":"172.16.0.0/12","gateway":"10.0.0.1","dev":"tunl0","flags":[]}]
            """;
    private static final String V6 = """
            [{"dst":"fd00::/64","dev":"eth0","protocol":"kernel","metric":256,"flags":[],"pref":"medium"},
             {"dst":"default","gateway":"fd00::1","dev":"eth0","metric":100,"flags":[],"pref":"medium"}]
            """;

    private static final String QDISC = """
            [{"kind":"noqueue","handle":"0:","dev":"eth0","root":true,"refcnt":2,"options":{}},
             {"kind":"ingress","handle":"ffff:","dev":"eth0","parent":"ffff:fff1","options":{}},
             {"kind":"pfifo_fast","handle":"0:","dev":"hulltap0","root":true,"refcnt":2,"options":{}}]
            """;

    @Test
    void anIngressQdiscTheManagerMadeIsNoticed() throws Exception {
        assertThat(Network.parse(ADDR, V4, V6, QDISC).withIngress()).containsExactly("eth0");
    }

    @Test
    void ethernetInterfacesAreCarriedWithTheirMacMtuAndAddresses() throws Exception {
        Network n = Network.parse(ADDR, V4, V6, QDISC);
        assertThat(n.links()).containsExactly(
                new Link("eth0", "da:0a:b2:4f:c7:9b", 1450, List.of("10.9.0.5/16", "fd00::5/64")));
    }

    @Test
    void routesThroughThemAreCarriedButNotTheKernelsOwn() throws Exception {
        Network n = Network.parse(ADDR, V4, V6, QDISC);
        assertThat(n.routes()).containsExactly(
                new Route("0.0.0.0/0", "10.9.0.1", "eth0", null, null),
                new Route("192.168.7.0/24", null, "eth0", null, null),
                new Route("198.51.100.0/24", "169.254.1.1", "eth0", null, null, true),
                new Route("::/0", "fd00::1", "eth0", null, 100));
    }

    @Test
    void hullsOwnTapsAreNotCarriedButReported() throws Exception {
        Network n = Network.parse(ADDR, V4, V6, QDISC);
        assertThat(n.links()).extracting(Link::name).doesNotContain("hulltap0");
        assertThat(n.hullTaps()).containsExactly("hulltap0");
    }

    @Test
    void onlyLoopbackMeansNoNetwork() throws Exception {
        String lo = "[{\"ifindex\":1,\"ifname\":\"lo\",\"mtu\":65536,\"link_type\":\"loopback\",\"addr_info\":[]}]";
        assertThat(Network.parse(lo, "[]", "[]", "[]").isEmpty()).isTrue();
    }
}
