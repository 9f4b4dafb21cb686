package dev.hull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.hull.testing.Bundles;
import dev.hull.testing.Http;
import dev.hull.testing.HullCli;
import dev.hull.testing.HullTest;
import dev.hull.testing.NetLeftovers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The container's network namespace carried into the VM, without a manager: the test makes a namespace
 * with a veth pair the way CNI does (host end 10.198.N.1, container end 10.198.N.2) and names it in
 * config.json, or lets a prestart hook put the veth into the shim's fresh namespace the way dockerd does.
 */
class CliNetworkIT extends HullTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final String HTTPD = "mkdir -p /dev/shm/www && echo served-from-the-vm > /dev/shm/www/index.html"
            + " && exec httpd -f -p 80 -h /dev/shm/www";

    private int n;
    private String netns;
    private String hostEnd;

    @BeforeEach
    void names() {
        n = SEQ.incrementAndGet();
        netns = "hullit" + ProcessHandle.current().pid() + "-" + n;
        hostEnd = "hit" + n + "-" + (ProcessHandle.current().pid() % 10000);
    }

    @AfterEach
    void removeNamespace() throws Exception {
        sh("ip link del " + hostEnd + " 2>/dev/null; ip netns del " + netns + " 2>/dev/null; ip netns del " + netns
                + "-peer 2>/dev/null; true");
    }

    private static String sh(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(script + ": " + out).isZero();
        return out;
    }

    private String subnet() {
        return "10.198." + n;
    }

    /** The namespace a CNI plugin would make: eth0 with an address, MTU 1400, a default route. */
    private void makeNamespace() throws Exception {
        sh("ip netns add " + netns + " && ip link add " + hostEnd + " type veth peer name eth0 netns " + netns
                + " && ip addr add " + subnet() + ".1/24 dev " + hostEnd + " && ip link set " + hostEnd + " up"
                + " && ip netns exec " + netns + " sh -c 'ip link set eth0 mtu 1400 && ip addr add " + subnet()
                + ".2/24 dev eth0 && ip link set eth0 up && ip route add default via " + subnet() + ".1'");
    }

    private Path bundle(String netnsPath, String... args) throws Exception {
        ObjectNode c = Bundles.config(args);
        var list = c.putObject("linux").putArray("namespaces");
        list.addObject().put("type", "pid");
        list.addObject().put("type", "ipc");
        ObjectNode ns = list.addObject().put("type", "network");
        if (netnsPath != null) {
            ns.put("path", netnsPath);
        }
        return Bundles.write(dir.resolve("bundle"), c);
    }

    @Test
    void aNamedNamespaceIsCarriedIntoTheVmBothWays() throws Exception {
        makeNamespace();
        String mac = sh("ip netns exec " + netns + " cat /sys/class/net/eth0/address").strip();
        Path b = bundle("/run/netns/" + netns, "sh", "-c", HTTPD);
        hull.run("run", "-d", "-b", b.toString(), "web").assertOk();
        assertThat(Http.curl("http://" + subnet() + ".2/", Duration.ofSeconds(30))).isEqualTo("served-from-the-vm\n");

        HullCli.Result inside = hull.run("exec", "web", "sh", "-c",
                "uname -r; ip addr show eth0; ip route; ip link show lo");
        assertThat(inside.stdout()).contains("-hull").contains("inet " + subnet() + ".2/24").contains(mac)
                .contains("mtu 1400").contains("default via " + subnet() + ".1 dev eth0").contains("lo: <LOOPBACK,UP");

        HttpServer host = Http.serve(subnet() + ".1", "from-the-host\n");
        try {
            HullCli.Result fetched = hull.run("exec", "web", "timeout", "20", "wget", "-qO-",
                    "http://" + subnet() + ".1:" + host.getAddress().getPort() + "/");
            assertThat(fetched.stdout()).as(fetched.stderr()).isEqualTo("from-the-host\n");
        } finally {
            host.stop(0);
        }

        hull.run("delete", "-f", "web").assertOk();
        assertThat(NetLeftovers.find()).isEmpty();
        // The namespace is left as the manager made it.
        String after = sh("ip netns exec " + netns
                + " sh -c 'ip -o addr show eth0; ip -o link; tc qdisc show dev eth0'");
        assertThat(after).contains(subnet() + ".2/24").doesNotContain("hulltap").doesNotContain("ingress");
    }

    @Test
    void ipv6AddressesAndRoutesReachTheGuest() throws Exception {
        // This host has IPv6 disabled; fresh namespaces do not: the peer is a namespace of the test's own.
        String v6 = "fd00:198:" + n + "::";
        String peer = netns + "-peer";
        sh("ip netns add " + netns + " && ip netns add " + peer + " && ip link add " + hostEnd + " netns " + peer
                + " type veth peer name eth0 netns " + netns
                + " && ip -n " + peer + " addr add " + v6 + "1/64 dev " + hostEnd + " nodad && ip -n " + peer
                + " link set " + hostEnd + " up && ip -n " + netns + " addr add " + v6 + "2/64 dev eth0 nodad"
                + " && ip -n " + netns + " link set eth0 up"
                + " && ip -n " + netns + " -6 route add default via " + v6 + "1");
        hull.run("run", "-d", "-b", bundle("/run/netns/" + netns, "sh", "-c", HTTPD).toString(), "six").assertOk();
        HullCli.Result inside = hull.run("exec", "six", "sh", "-c", "ip -6 addr show eth0; ip -6 route");
        assertThat(inside.stdout()).contains("inet6 " + v6 + "2/64").contains("default via " + v6 + "1 dev eth0");
        assertThat(sh("ip netns exec " + peer + " curl -s -m 20 --retry 5 --retry-connrefused -g http://[" + v6 + "2]/"))
                .isEqualTo("served-from-the-vm\n");
        hull.run("delete", "-f", "six").assertOk();
    }

    /** Names the guest kernel gives in its own order must not get in the way (eth1 listed before eth0). */
    @Test
    void everyInterfaceKeepsItsNameAndAddress() throws Exception {
        String second = "hn" + n + "-" + (ProcessHandle.current().pid() % 10000);
        sh("ip netns add " + netns + " && ip link add " + hostEnd + " type veth peer name eth1 netns " + netns
                + " && ip link add " + second + " type veth peer name eth0 netns " + netns
                + " && ip link set " + hostEnd + " up && ip link set " + second + " up"
                + " && ip -n " + netns + " addr add " + subnet() + ".2/24 dev eth1"
                + " && ip -n " + netns + " link set eth1 up"
                + " && ip -n " + netns + " addr add 10.197." + n + ".2/24 dev eth0"
                + " && ip -n " + netns + " link set eth0 up"
                + " && ip -n " + netns + " route add 198.51.100.0/24 via 169.254.1.1 dev eth0 onlink");
        try {
            HullCli.Result r = hull.run("run", "-b",
                    bundle("/run/netns/" + netns, "sh", "-c", "ip -o -4 addr; ip route").toString(), "two");
            assertThat(r.code()).as(r.stderr()).isZero();
            assertThat(r.stdout()).containsPattern("eth1\\s+inet " + subnet() + ".2/24")
                    .containsPattern("eth0\\s+inet 10.197." + n + ".2/24")
                    .contains("198.51.100.0/24 via 169.254.1.1 dev eth0 onlink");
        } finally {
            sh("ip link del " + second + " 2>/dev/null; true");
        }
        assertThat(NetLeftovers.find()).isEmpty();
    }

    /**
     * A second container naming the same namespace is a pod member: it runs in the first one's VM, on
     * its NIC. Under another state root no Hull container holds that VM: a clear error.
     */
    @Test
    void aSecondContainerInTheSameNamespaceJoinsTheFirstsVm() throws Exception {
        makeNamespace();
        Path b = bundle("/run/netns/" + netns, "sleep", "1000");
        hull.run("run", "-d", "-b", b.toString(), "first").assertOk();
        hull.run("run", "-d", "-b", b.toString(), "second").assertOk();
        assertThat(hull.run("list", "-q").stdout()).isEqualTo("first\nsecond\n");
        assertThat(hull.run("exec", "second", "ip", "-o", "-4", "addr").assertOk().stdout())
                .containsPattern("eth0\\s+inet " + subnet() + ".2/24");
        assertThat(Bundles.JSON.readTree(hull.run("state", "second").assertOk().stdout()).get("status").asText())
                .isEqualTo("running");

        HullCli elsewhere = new HullCli(Files.createDirectories(dir.resolve("elsewhere")));
        HullCli.Result third = elsewhere.run("run", "-d", "-b", b.toString(), "third");
        assertThat(third.code()).isNotZero();
        assertThat(third.stderr()).contains("already carried into another Hull VM").contains("pod");
        assertThat(elsewhere.run("list", "-q").stdout()).isEmpty();

        hull.run("delete", "-f", "first").assertOk();
        assertThat(status("second")).isEqualTo("stopped");
        hull.run("delete", "second").assertOk();
        assertThat(NetLeftovers.find()).isEmpty();
    }

    @Test
    void deleteRemovesTheTapsOfAShimThatDied() throws Exception {
        makeNamespace();
        hull.run("run", "-d", "-b", bundle("/run/netns/" + netns, "sleep", "1000").toString(), "dies").assertOk();
        assertThat(sh("ip netns exec " + netns + " ip -o link")).contains("hulltap0");
        var state = Bundles.JSON.readTree(hull.run("state", "dies").assertOk().stdout());
        ProcessHandle.of(state.get("pid").asLong()).ifPresent(ProcessHandle::destroyForcibly);
        waitFor(Duration.ofSeconds(10), () -> status("dies").equals("stopped"));
        hull.run("delete", "-f", "dies").assertOk();
        assertThat(NetLeftovers.find()).isEmpty();
    }

    @Test
    void aNamespaceWithOnlyLoopbackGivesNoNic() throws Exception {
        sh("ip netns add " + netns);
        HullCli.Result r = hull.run("run", "-b", bundle("/run/netns/" + netns, "sh", "-c", "ip -o link").toString(),
                "lo");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout().lines().toList()).hasSize(1).allMatch(l -> l.contains("lo: <LOOPBACK,UP"));
    }

    @Test
    void aPrestartHookPopulatesTheShimsFreshNamespaceAsDockerdDoes() throws Exception {
        // The hook gets the state on stdin; its pid is the shim's, whose namespace the veth goes into.
        Path hook = Files.writeString(dir.resolve("setkey.sh"), "#!/bin/sh\n"
                + "pid=$(sed 's/.*\"pid\":\\([0-9]*\\).*/\\1/')\n"
                + "ip link add " + hostEnd + " type veth peer name eth0 netns $pid\n"
                + "ip addr add " + subnet() + ".1/24 dev " + hostEnd + " && ip link set " + hostEnd + " up\n"
                + "nsenter --net=/proc/$pid/ns/net sh -c 'ip addr add " + subnet() + ".2/24 dev eth0"
                + " && ip link set eth0 up'\n");
        hook.toFile().setExecutable(true);
        ObjectNode c = Bundles.config("sh", "-c", HTTPD);
        var list = c.putObject("linux").putArray("namespaces");
        for (String t : List.of("pid", "ipc", "network")) {
            list.addObject().put("type", t);
        }
        c.putObject("hooks").putArray("prestart").addObject().put("path", hook.toString());
        Path b = Bundles.write(dir.resolve("bundle"), c);
        hull.run("run", "-d", "-b", b.toString(), "hooked").assertOk();
        assertThat(Http.curl("http://" + subnet() + ".2/", Duration.ofSeconds(30))).isEqualTo("served-from-the-vm\n");
        hull.run("delete", "-f", "hooked").assertOk();
        assertThat(NetLeftovers.find()).isEmpty();
    }

    @Test
    void aPathThatIsNoNetworkNamespaceFailsCreateAndLeavesNothing() throws Exception {
        Path notNs = Files.writeString(dir.resolve("not-a-netns"), "");
        for (String path : List.of(notNs.toString(), "/run/netns/none-such-" + n, "/proc/self/ns/pid")) {
            HullCli.Result r = hull.run("create", "-b", bundle(path, "true").toString(), "bad");
            assertThat(r.code()).isNotZero();
            assertThat(r.stderr()).contains("cannot enter the network namespace " + path);
            assertThat(hull.run("list", "-q").stdout()).isEmpty();
        }
    }
}
