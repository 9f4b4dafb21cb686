package dev.hull.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullTest;
import dev.hull.testing.TestAssets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guest kernel has what ordinary software in a container uses, as a workload sees it: file watchers,
 * reading another process's memory, a tun device, bridges and veth pairs, nf_tables, the io controller; and it keeps
 * its log from a process without CAP_SYSLOG, as runc's hosts do. {@code kernel-features}
 * (tests/fixtures/kernel-features.c, static) makes the calls busybox has no applet for.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliKernelFeaturesIT extends HullTest {

    /** A bundle on a copy of the busybox root with /bin/kernel-features added. */
    private Path bundle(String name, ObjectNode config) throws Exception {
        Path bundle = Bundles.write(dir.resolve(name), config);
        Path program = bundle.resolve("rootfs/bin/kernel-features");
        Process cc = new ProcessBuilder("cc", "-static", "-O2", "-o", program.toString(),
                TestAssets.projectDir().resolve("tests/fixtures/kernel-features.c").toString())
                .redirectErrorStream(true).start();
        String out = new String(cc.getInputStream().readAllBytes());
        assertThat(cc.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(cc.exitValue()).as("cc kernel-features.c: " + out).isZero();
        return bundle;
    }

    private String runs(String name, ObjectNode config) throws Exception {
        var r = hull.run("run", "-b", bundle(name, config).toString(), name);
        assertThat(r.code()).as(r.stdout() + r.stderr()).isZero();
        return r.stdout();
    }

    /** Config reloaders and `tail -F` watch with inotify; scanners mark with fanotify (CAP_SYS_ADMIN). */
    @Test
    void fileWatchersSeeAFileMadeInTheContainer() throws Exception {
        assertThat(runs("watch", Bundles.config("sh", "-c",
                "kernel-features inotify /tmp && kernel-features fanotify /tmp")))
                .isEqualTo("inotify: IN_CREATE made\nfanotify: FAN_OPEN opened\n");
    }

    /** What gdb, py-spy and perf's helpers do: process_vm_readv of a child, which only the child has. */
    @Test
    void aProcessReadsItsChildsMemory() throws Exception {
        assertThat(runs("vmread", Bundles.config("kernel-features", "vmread")))
                .isEqualTo("process_vm_readv: read the child's memory\n");
    }

    /** A VPN client's container (docker's --device /dev/net/tun --cap-add NET_ADMIN) makes its interface. */
    @Test
    void aContainerGivenTheTunDeviceMakesAnInterface() throws Exception {
        ObjectNode config = Bundles.config("sh", "-c",
                "tunctl -t vpn0 >/dev/null && cat /sys/class/net/vpn0/tun_flags");
        config.putObject("linux").putArray("devices").addObject().put("path", "/dev/net/tun").put("type", "c")
                .put("major", 10).put("minor", 200).put("fileMode", 0666).put("uid", 0).put("gid", 0);
        // IFF_NO_PI | IFF_PERSIST | IFF_TAP: tunctl's tap, kept after tunctl exits.
        assertThat(runs("tun", config)).isEqualTo("0x1802\n");
    }

    /** docker or kind inside a container with CAP_NET_ADMIN: a bridge (netlink and brctl's ioctl), a veth in it. */
    @Test
    void aContainerWithNetAdminMakesABridgeWithAVethInIt() throws Exception {
        assertThat(runs("bridge", Bundles.config("sh", "-c", "ip link add br0 type bridge && brctl addbr br1"
                + " && ip link add v0 type veth && brctl addif br0 v0 && ls /sys/class/net/br0/brif"
                + " && ls /sys/class/net/br1/brif | wc -l")))
                .isEqualTo("v0\n0\n");
    }

    /** nft, and iptables-nft (docker's rules inside a privileged container), add tables over nf_tables' netlink. */
    @Test
    void aContainerWithNetAdminAddsAnNftablesTable() throws Exception {
        assertThat(runs("nft", Bundles.config("kernel-features", "nftables", "hull"))).isEqualTo("table inet hull\n");
    }

    /** docker's default capabilities have no CAP_SYSLOG: the guest's log is refused, as on runc's hosts. */
    @Test
    void theKernelLogTakesCapSyslog() throws Exception {
        ObjectNode config = Bundles.withCapabilities(Bundles.config("sleep", "1000"), Bundles.DOCKER_CAPABILITIES);
        hull.run("run", "-d", "-b", Bundles.write(dir.resolve("log"), config).toString(), "log").assertOk();
        var refused = hull.run("exec", "log", "dmesg");
        assertThat(refused.code()).as(refused.stdout()).isNotZero();
        assertThat(refused.stderr()).contains("Operation not permitted");
        var allowed = hull.run("exec", "--cap", "CAP_SYSLOG", "log", "dmesg");
        assertThat(allowed.code()).as(allowed.stderr()).isZero();
        assertThat(allowed.stdout()).contains("Linux version");
        hull.run("delete", "-f", "log").assertOk();
    }

    /** A container with limits has the io controller too, which systemd and nested runtimes look for. */
    @Test
    void aContainersCgroupHasTheIoController() throws Exception {
        ObjectNode config = Bundles.config("cat", "/sys/fs/cgroup/cgroup.controllers");
        ObjectNode linux = config.putObject("linux");
        var ns = linux.putArray("namespaces");
        for (String t : List.of("pid", "network", "ipc", "cgroup")) {
            ns.addObject().put("type", t);
        }
        linux.putObject("resources").putObject("pids").put("limit", 100);
        assertThat(runs("io", config).strip().split(" ")).contains("io", "memory", "pids");
    }
}
