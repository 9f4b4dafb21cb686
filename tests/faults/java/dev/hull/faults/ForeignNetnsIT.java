package dev.hull.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.net.IpTool;
import dev.hull.sys.Namespaces;
import dev.hull.testing.Bundles;
import dev.hull.testing.Http;
import dev.hull.testing.HullCli;
import dev.hull.testing.HullTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A config.json naming a network namespace that is not Hull's to take over: mirroring it into a VM would
 * redirect all of its traffic there, away from whoever else uses it. `create` fails with one line naming
 * linux.namespaces, the path and why, before anything is made: no state, no process (HullTest), no tap or
 * tc filter, and the namespace's own traffic still flows.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ForeignNetnsIT extends HullTest {
    private String netns;
    private String hostEnd;
    private String subnet;

    @BeforeEach
    void names() {
        long pid = ProcessHandle.current().pid();
        netns = "hullforeign" + pid;
        hostEnd = "hfo" + pid % 100000;
        subnet = "10.194." + pid % 250;
    }

    @AfterEach
    void removeNamespace() throws Exception {
        sh("ip link del " + hostEnd + " 2>/dev/null; ip netns del " + netns + " 2>/dev/null; true");
    }

    private static String sh(String script) throws IOException, InterruptedException {
        return run(List.of("sh", "-c", script));
    }

    private static String run(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(argv + ": " + out).isZero();
        return out;
    }

    private Path bundle(String netnsPath) throws Exception {
        ObjectNode c = Bundles.config("true");
        var ns = c.putObject("linux").putArray("namespaces");
        ns.addObject().put("type", "pid");
        ns.addObject().put("type", "ipc");
        ns.addObject().put("type", "network").put("path", netnsPath);
        return Bundles.write(dir.resolve("bundle"), c);
    }

    /** `create` fails as runc would, with the reason, and leaves no state. */
    private void refused(String netnsPath, String why) throws Exception {
        HullCli.Result r = hull.run("create", "--bundle", bundle(netnsPath).toString(), "taker");
        assertThat(r.code()).as(r.stderr()).isEqualTo(1);
        assertThat(r.stderr().lines().toList()).as(r.stderr()).hasSize(1);
        assertThat(r.stderr()).startsWith("hull: ").contains("linux.namespaces").contains(netnsPath).contains(why);
        assertThat(status("taker")).isEqualTo("absent");
        try (var left = Files.list(hull.root())) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(f -> !f.equals("hull.log")).toList())
                    .as("state left behind").isEmpty();
        }
    }

    /**
     * A path to the host's network namespace: process 1's, or where process 1 cannot be looked at (an init
     * that denies ptrace access, as on Firecracker guests) the kernel threads', which are always in it.
     */
    private static Path hostNamespace() throws IOException {
        Path init = Path.of("/proc/1/ns/net");
        if (Files.isReadable(init)) {
            return init;
        }
        assumeTrue(Files.readString(Path.of("/proc/2/comm")).strip().equals("kthreadd"),
                "neither process 1 nor the kernel's threads to look at");
        return Path.of("/proc/2/ns/net");
    }

    /** Each interface of the host's namespace and what `tc filter show dev X ingress` says. */
    private static Map<String, String> ingressFilters(Path ns) throws Exception {
        IpTool host = new IpTool(ns);
        Map<String, String> filters = new LinkedHashMap<>();
        for (String line : run(host.command(List.of("ip", "-o", "link", "show"))).lines().toList()) {
            String name = line.split(":")[1].strip().split("@")[0];
            // A device without an ingress qdisc makes tc fail: no filter either.
            Process p = new ProcessBuilder(host.command(List.of("tc", "filter", "show", "dev", name, "ingress")))
                    .redirectErrorStream(true).start();
            filters.put(name, new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            p.waitFor();
        }
        return filters;
    }

    @Test
    void theHostsNamespaceIsRefusedWhateverPathNamesIt() throws Exception {
        Path host = hostNamespace();
        Map<String, String> before = ingressFilters(host);
        Path bound = Files.writeString(dir.resolve("hostnet"), "");
        sh("mount --bind " + host + " " + bound);
        try {
            List<String> paths = new ArrayList<>(List.of(host.toString(), bound.toString()));
            if (Namespaces.same(host, Path.of("/proc/self/ns/net"))) {
                // Hull, started from here, is in the host's namespace too: its /proc/self names that.
                paths.add("/proc/self/ns/net");
            }
            for (String path : paths) {
                refused(path, "is the host's network namespace");
            }
            // Where process 1 denies a look at it, that is the reason; it is refused all the same.
            refused("/proc/1/ns/net", "");
        } finally {
            sh("umount " + bound);
        }
        Map<String, String> after = ingressFilters(host);
        assertThat(after).isEqualTo(before);
        assertThat(after.keySet()).noneMatch(n -> n.startsWith("hulltap"));
    }

    @Test
    void aNamespaceWithAnotherProcessesServiceIsRefusedAndTheServiceStaysReachable() throws Exception {
        sh("ip netns add " + netns + " && ip link add " + hostEnd + " type veth peer name eth0 netns " + netns
                + " && ip addr add " + subnet + ".1/24 dev " + hostEnd + " && ip link set " + hostEnd + " up"
                + " && ip -n " + netns + " addr add " + subnet + ".2/24 dev eth0 && ip -n " + netns
                + " link set eth0 up && ip -n " + netns + " link set lo up");
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("index.html"), "served-by-another\n");
        // ip netns exec execs the server: its pid is the process in the namespace.
        Process server = new ProcessBuilder("ip", "netns", "exec", netns, "busybox", "httpd", "-f", "-p",
                subnet + ".2:8080", "-h", www.toString()).redirectErrorStream(true).start();
        try {
            String url = "http://" + subnet + ".2:8080/";
            assertThat(Http.curl(url, Duration.ofSeconds(20))).isEqualTo("served-by-another\n");
            refused("/run/netns/" + netns, "process " + server.pid() + " (busybox) is in it");
            assertThat(Http.curl(url, Duration.ofSeconds(5))).isEqualTo("served-by-another\n");
            assertThat(sh("ip netns exec " + netns + " sh -c 'ip -o link; tc qdisc show dev eth0'"))
                    .doesNotContain("hulltap").doesNotContain("ingress");
        } finally {
            server.destroyForcibly().waitFor();
        }
    }

    @Test
    void aNamespaceWithAnInterfaceNoManagerMakesForAContainerIsRefused() throws Exception {
        sh("ip netns add " + netns + " && ip link add " + hostEnd + " type veth peer name eth0 netns " + netns);
        String kind = addNonContainerInterface("d0");
        refused("/run/netns/" + netns, "interface d0 (" + kind + ") is in it");
        assertThat(sh("ip netns exec " + netns + " sh -c 'ip -o link; tc qdisc show'"))
                .doesNotContain("hulltap").doesNotContain("ingress");
    }

    /** A dummy where the kernel has that driver, else a bridge, else a tap: the driver's name. */
    private String addNonContainerInterface(String name) throws Exception {
        for (String kind : List.of("dummy", "bridge")) {
            Process p = new ProcessBuilder("ip", "-n", netns, "link", "add", name, "type", kind)
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() == 0) {
                return kind;
            }
        }
        sh("ip -n " + netns + " tuntap add mode tap name " + name);
        return "tun";
    }
}
