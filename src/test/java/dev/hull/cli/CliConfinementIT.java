package dev.hull.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullTest;
import dev.hull.testing.TestAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The container is what config.json describes, on the host's side of the VM: the VM sized from
 * linux.resources, the host end of the root share read-only for a read-only root, the root share mounted
 * once, the reported pid in the container's ipc and uts namespaces, qemu under its own seccomp filter.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliConfinementIT extends HullTest {

    private String pidOf(String id) throws Exception {
        return Bundles.JSON.readTree(hull.run("state", id).assertOk().stdout()).get("pid").asText();
    }

    /**
     * In a real VM: docker's capabilities (no CAP_SYS_ADMIN), a seccomp rule with its errno (38, ENOSYS,
     * where the read-only root alone would give EROFS), masked and
     * read-only paths, a device node, the OOM score, and a read-only root that cannot be remounted.
     */
    @Test
    void configJsonsConfinementHoldsInsideTheVm() throws Exception {
        ObjectNode config = Bundles.config("sh", "-c", "grep CapEff /proc/self/status;"
                + " mkdir /tmp/d 2>&1 | sed 's/.*: //';"
                + " wc -c < /proc/timer_list; ls /secret | wc -l; touch /ro-dir/x 2>/dev/null || echo ro-dir-refused;"
                + " stat -c '%t:%T %a %u' /dev/fuse; cat /proc/self/oom_score_adj;"
                + " mount -o remount,rw / 2>/dev/null || echo remount-refused;"
                + " touch /x 2>/dev/null || echo root-refused");
        Bundles.withCapabilities(config, Bundles.DOCKER_CAPABILITIES);
        ((ObjectNode) config.get("process")).put("oomScoreAdj", 300);
        ((ObjectNode) config.get("root")).put("readonly", true);
        ObjectNode linux = config.putObject("linux");
        ObjectNode seccomp = linux.putObject("seccomp").put("defaultAction", "SCMP_ACT_ALLOW");
        seccomp.putArray("architectures").add("SCMP_ARCH_X86_64");
        ObjectNode rule = seccomp.putArray("syscalls").addObject().put("action", "SCMP_ACT_ERRNO").put("errnoRet", 38);
        rule.putArray("names").add("mkdir").add("mkdirat");
        linux.putArray("maskedPaths").add("/proc/timer_list").add("/secret").add("/not/there");
        linux.putArray("readonlyPaths").add("/ro-dir");
        linux.putArray("devices").addObject().put("path", "/dev/fuse").put("type", "c").put("major", 10)
                .put("minor", 229).put("fileMode", 0600).put("uid", 1000).put("gid", 1000);
        Path bundle = Bundles.write(dir.resolve("confined"), config);
        Path rootfs = Path.of(config.get("root").get("path").asText());
        Files.createDirectories(rootfs.resolve("secret"));
        Files.writeString(rootfs.resolve("secret/key"), "hidden");
        Files.createDirectories(rootfs.resolve("ro-dir"));
        var r = hull.run("run", "-b", bundle.toString(), "confined");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo(String.join("\n", "CapEff:\t00000000a80425fb", "Function not implemented",
                "0", "0", "ro-dir-refused", "a:e5 600 1000", "300", "remount-refused", "root-refused", ""));
        assertThat(rootfs.resolve("x")).doesNotExist();
        assertThat(rootfs.resolve("ro-dir/x")).doesNotExist();
    }

    /**
     * A config.json with no hostname: the container's is the host's (its caller's uts namespace's), as runc's
     * new uts namespace keeps its caller's hostname, not the guest kernel's own ("hull").
     */
    @Test
    void noHostnameInConfigJsonKeepsTheCallersAsRuncDoes() throws Exception {
        ObjectNode config = Bundles.config("hostname");
        config.remove("hostname");
        var r = hull.run("run", "-b", Bundles.write(dir.resolve("nameless"), config).toString(), "nameless");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip() + "\n");
    }

    /**
     * A user namespace in a real VM: the container's root is uid 100000 outside, so the image's files
     * look like nobody's inside and what it writes is 100000's on the host; it still has its own cgroup.
     */
    @Test
    void aUserNamespaceShiftsTheContainersIds() throws Exception {
        ObjectNode config = Bundles.config("sh", "-c", "cat /proc/self/uid_map | tr -s ' '; id -u;"
                + " stat -c '%u' /bin/busybox; touch /tmp/mine; cat /proc/self/cgroup");
        ObjectNode linux = config.putObject("linux");
        var ns = linux.putArray("namespaces");
        for (String t : List.of("pid", "network", "ipc", "user")) {
            ns.addObject().put("type", t);
        }
        for (String map : new String[] {"uidMappings", "gidMappings"}) {
            linux.putArray(map).addObject().put("containerID", 0).put("hostID", 100000).put("size", 65536);
        }
        Path bundle = Bundles.write(dir.resolve("userns"), config);
        Path rootfs = Path.of(config.get("root").get("path").asText());
        var r = hull.run("run", "-b", bundle.toString(), "userns");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout().lines().toList()).containsExactly(" 0 100000 65536", "0", "65534", "0::/");
        assertThat(Files.getAttribute(rootfs.resolve("tmp/mine"), "unix:uid")).isEqualTo(100000);
    }

    /**
     * A single-file bind (a manager's /etc/hosts) gives the VM that file only, not its folder (docker's holds
     * the container's config with its environment): the file is read and written through, its neighbours
     * are nowhere in qemu's exports.
     */
    @Test
    void aSingleFileBindSharesTheFileNotItsFolder() throws Exception {
        Path userdata = Files.createDirectories(dir.resolve("userdata"));
        Files.writeString(userdata.resolve("hosts"), "10.0.0.1 db\n");
        Files.writeString(userdata.resolve("config.v2.json"), "{\"Env\":[\"SECRET=1\"]}");
        ObjectNode config = Bundles.config("sh", "-c", "cat /etc/hosts; echo 10.0.0.2 web >> /etc/hosts; sleep 1000");
        var mounts = config.putArray("mounts");
        mounts.addObject().put("destination", "/proc").put("type", "proc").put("source", "proc");
        mounts.addObject().put("destination", "/etc/hosts").put("type", "bind")
                .put("source", userdata.resolve("hosts").toString()).putArray("options").add("rbind").add("rw");
        Path out = dir.resolve("files.out");
        Process p = hull.start(null, out, dir.resolve("files.err"), "run", "-d", "-b",
                Bundles.write(dir.resolve("files"), config).toString(), "files");
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("files.err"))).isZero();
        waitFor(Duration.ofSeconds(30), () -> Files.readString(userdata.resolve("hosts")).contains("web"));
        assertThat(Files.readString(out)).isEqualTo("10.0.0.1 db\n");
        String qemu = vmOwner("files").children()
                .map(c -> c.info().commandLine().orElse("")).filter(c -> c.contains("qemu-system")).findFirst()
                .orElseThrow();
        assertThat(qemu).contains("-fsdev").doesNotContain("path=" + userdata);
        hull.run("delete", "-f", "files").assertOk();
    }

    private static final String SETS_AND_OOM = "grep -E '^(Cap|NoNewPrivs)' /proc/self/status;"
            + " cat /proc/self/oom_score_adj";

    /**
     * containerd's "drop ALL" in a real VM: {@code "capabilities": {}} leaves every set of the container's
     * process empty, and so of an exec whose process.json leaves capabilities out and of one from the command
     * line (runc's rules: a set left out is empty, an exec inherits the container's capabilities and OOM score,
     * its no_new_privs is its own). On the command line, as with runc, --cap adds to the container's sets and a
     * uid alone keeps config.json's gid and groups, to which -g adds.
     */
    @Test
    void capabilitiesLeftOutAreNoneForTheContainerAndItsExecs() throws Exception {
        ObjectNode config = Bundles.config("sh", "-c", "(" + SETS_AND_OOM + ") > /tmp/o; mv /tmp/o /tmp/init.out;"
                + " sleep 1000");
        ObjectNode process = (ObjectNode) config.get("process");
        process.putObject("capabilities");
        process.put("oomScoreAdj", 300).put("noNewPrivileges", true);
        ((ObjectNode) process.get("user")).putArray("additionalGids").add(10);
        Path bundle = Bundles.write(dir.resolve("dropall"), config);
        Path rootfs = Path.of(config.get("root").get("path").asText());
        Process p = hull.start(null, dir.resolve("dropall.out"), dir.resolve("dropall.err"), "run", "-d", "-b",
                bundle.toString(), "dropall");
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("dropall.err"))).isZero();
        Path initOut = rootfs.resolve("tmp/init.out");
        waitFor(Duration.ofSeconds(30), () -> Files.exists(initOut));
        String none = "CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
                + "CapBnd:\t0000000000000000\nCapAmb:\t0000000000000000\n";
        assertThat(Files.readString(initOut)).isEqualTo(none + "NoNewPrivs:\t1\n300\n");
        Path processJson = dir.resolve("p.json");
        Files.writeString(processJson, "{\"args\":[\"sh\",\"-c\",\"" + SETS_AND_OOM + "\"],\"cwd\":\"/\","
                + "\"env\":[\"PATH=/bin\"]}");
        var fromFile = hull.run("exec", "--process", processJson.toString(), "dropall");
        assertThat(fromFile.code()).as(fromFile.stderr()).isZero();
        assertThat(fromFile.stdout()).isEqualTo(none + "NoNewPrivs:\t0\n300\n");
        var fromArgs = hull.run("exec", "dropall", "sh", "-c", SETS_AND_OOM);
        assertThat(fromArgs.code()).as(fromArgs.stderr()).isZero();
        assertThat(fromArgs.stdout()).isEqualTo(none + "NoNewPrivs:\t1\n300\n");
        var withCap = hull.run("exec", "--cap", "CAP_KILL", "dropall", "grep", "^Cap", "/proc/self/status");
        assertThat(withCap.code()).as(withCap.stderr()).isZero();
        assertThat(withCap.stdout()).isEqualTo("CapInh:\t0000000000000000\nCapPrm:\t0000000000000020\n"
                + "CapEff:\t0000000000000020\nCapBnd:\t0000000000000020\nCapAmb:\t0000000000000000\n");
        var asUser = hull.run("exec", "--user", "1000", "-g", "20", "dropall", "sh", "-c", "id -u; id -g; id -G");
        assertThat(asUser.code()).as(asUser.stderr()).isZero();
        assertThat(asUser.stdout()).isEqualTo("1000\n0\n0 10 20\n");
        hull.run("delete", "-f", "dropall").assertOk();
    }

    /** `runc spec`'s set: three capabilities, asked for as ambient too but not inheritable (runc skips those). */
    @Test
    void runcSpecsCapabilitiesGiveWhatRuncGives() throws Exception {
        ObjectNode config = Bundles.config("sh", "-c",
                "grep -E '^Cap(Eff|Amb)' /proc/self/status; hostname renamed 2>/dev/null || echo refused");
        ObjectNode caps = ((ObjectNode) config.get("process")).putObject("capabilities");
        for (String set : new String[] {"bounding", "effective", "permitted", "ambient"}) {
            caps.putArray(set).add("CAP_AUDIT_WRITE").add("CAP_KILL").add("CAP_NET_BIND_SERVICE");
        }
        var r = hull.run("run", "-b", Bundles.write(dir.resolve("runcspec"), config).toString(), "runcspec");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("CapEff:\t0000000020000420\nCapAmb:\t0000000000000000\nrefused\n");
    }

    @Test
    void resourcesSizeTheVm() throws Exception {
        ObjectNode config = Bundles.config("sh", "-c", "grep MemTotal /proc/meminfo; nproc");
        ObjectNode resources = config.putObject("linux").putObject("resources");
        resources.putObject("memory").put("limit", 1L << 30);
        resources.putObject("cpu").put("quota", 200_000).put("period", 100_000);
        var r = hull.run("run", "-b", Bundles.write(dir.resolve("sized"), config).toString(), "sized");
        assertThat(r.code()).as(r.stderr()).isZero();
        String[] lines = r.stdout().strip().split("\n");
        long memTotalKib = Long.parseLong(lines[0].replaceAll("\\D", ""));
        // 1 GiB for the container and the guest kernel's own (the default VM has 256 MiB).
        assertThat(memTotalKib).isBetween(1L << 20, (1L << 20) + (100L << 10));
        assertThat(Integer.parseInt(lines[1])).isEqualTo(Math.min(2, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * runc's: the process's limits are config.json's, soft and hard, and an exec from it gets them too; on
     * the host, the container's pid has them as runc's container process has (/proc/PID/limits).
     */
    @Test
    void rlimitsAreConfigJsons() throws Exception {
        ObjectNode config = Bundles.config("sh", "-c", "ulimit -Sn; ulimit -Hn; sleep 1000");
        var limits = ((ObjectNode) config.get("process")).putArray("rlimits");
        limits.addObject().put("type", "RLIMIT_NOFILE").put("hard", 4096).put("soft", 1024);
        Path out = dir.resolve("rl.out");
        Process p = hull.start(null, out, dir.resolve("rl.err"), "run", "-d", "-b",
                Bundles.write(dir.resolve("rl"), config).toString(), "rl");
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("rl.err"))).isZero();
        waitFor(Duration.ofSeconds(30), () -> Files.readString(out).lines().count() >= 2);
        assertThat(Files.readString(out)).isEqualTo("1024\n4096\n");
        assertThat(Files.readAllLines(Path.of("/proc", pidOf("rl"), "limits")))
                .anyMatch(l -> l.matches("Max open files\\s+1024\\s+4096\\s+files\\s*"));
        assertThat(hull.run("exec", "rl", "sh", "-c", "ulimit -Sn; ulimit -Hn").assertOk().stdout())
                .isEqualTo("1024\n4096\n");
        hull.run("delete", "-f", "rl").assertOk();
    }

    /**
     * docker run --cpuset-cpus 0-1 on a 2-CPU host: the set names host CPUs, which runc writes as they are
     * and so does Hull on the host's side; the VM has one vCPU, onto which the guest's cgroup maps them.
     */
    @ParameterizedTest
    @ValueSource(strings = {"0-1", "1"})
    void aCpusetOfHostCpusRunsOnTheVmsOwn(String cpus) throws Exception {
        assumeThat(Runtime.getRuntime().availableProcessors()).as("a host with CPUs 0 and 1")
                .isGreaterThanOrEqualTo(2);
        ObjectNode config = Bundles.config("sleep", "1000");
        config.putObject("linux").putObject("resources").putObject("cpu").put("cpus", cpus);
        hull.run("run", "-d", "-b", Bundles.write(dir.resolve("cs"), config).toString(), "cs").assertOk();
        Path host = Path.of("/sys/fs/cgroup/cpuset/cs/cpuset.cpus");
        if (Files.exists(host)) {
            assertThat(Files.readString(host).strip()).as("the host's cgroup").isEqualTo(cpus);
        }
        var r = hull.run("exec", "cs", "sh", "-c", "cat /sys/fs/cgroup/cpuset.cpus; nproc");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).as("the guest's cgroup, in a VM of one vCPU").isEqualTo("0\n1\n");
        hull.run("delete", "-f", "cs").assertOk();
    }

    @Test
    void theReportedPidHasTheContainersIpcAndUtsNamespacesAndQemuIsSandboxed() throws Exception {
        ObjectNode config = Bundles.config("sleep", "1000");
        var ns = config.putObject("linux").putArray("namespaces");
        ns.addObject().put("type", "pid");
        ns.addObject().put("type", "network");
        ns.addObject().put("type", "ipc");
        ns.addObject().put("type", "uts");
        hull.run("run", "-d", "-b", Bundles.write(dir.resolve("ns"), config).toString(), "ns").assertOk();
        String pid = pidOf("ns");
        for (String type : new String[] {"ipc", "uts"}) {
            assertThat(Files.readSymbolicLink(Path.of("/proc", pid, "ns", type)))
                    .as(type).isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns", type)));
        }
        long qemu = vmOwner("ns").children()
                .filter(p -> p.info().command().orElse("").contains("qemu-system")).findFirst().orElseThrow().pid();
        assertThat(Files.readAllLines(Path.of("/proc", Long.toString(qemu), "status")))
                .as("qemu runs with -sandbox on").contains("Seccomp:\t2");
        hull.run("delete", "-f", "ns").assertOk();
    }

    @Test
    void theVmsProcessesLiveInCgroupsPathUntilDelete() throws Exception {
        String parent = "hull-it-" + ProcessHandle.current().pid();
        String path = "/" + parent + "/cg";
        ObjectNode config = Bundles.config("sleep", "1000");
        ObjectNode linux = config.putObject("linux").put("cgroupsPath", path);
        ObjectNode resources = linux.putObject("resources");
        resources.putObject("cpu").put("quota", 150_000).put("period", 100_000);
        resources.putObject("pids").put("limit", 100);
        try {
            hull.run("run", "-d", "-b", Bundles.write(dir.resolve("cg"), config).toString(), "cg").assertOk();
            long anchor = Long.parseLong(pidOf("cg"));
            ProcessHandle owner = vmOwner("cg");
            var vm = owner.children().toList();
            // qemu, and virtiofsd where the VM booted (a clone's root is 9p, served by qemu).
            assertThat(vm).extracting(p -> p.info().command().orElse(""))
                    .anyMatch(c -> c.contains("qemu-system"));
            // The container's pid (its anchor) too: managers read its cgroup for the container's.
            for (long pid : Stream.concat(Stream.of(anchor, owner.pid()),
                    vm.stream().map(ProcessHandle::pid)).toList()) {
                assertThat(Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup")))
                        .as("cgroups of " + pid).allMatch(l -> l.endsWith(":" + path));
            }
            // The container's CPU quota as it is; its pids limit with room for the VM's own threads.
            Path cpu = Path.of("/sys/fs/cgroup/cpu").resolve(parent).resolve("cg");
            if (Files.exists(cpu.resolve("cpu.cfs_quota_us"))) {
                assertThat(Files.readString(cpu.resolve("cpu.cfs_quota_us")).strip()).isEqualTo("150000");
            }
            hull.run("delete", "-f", "cg").assertOk();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                if (line.contains(" - cgroup")) {
                    Path mount = Path.of(line.split(" ")[4]);
                    assertThat(mount.resolve(parent).resolve("cg")).as("after delete").doesNotExist();
                }
            }
        } finally {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                if (line.contains(" - cgroup")) {
                    Files.deleteIfExists(Path.of(line.split(" ")[4]).resolve(parent));
                }
            }
        }
    }

    /**
     * linux.resources.network and blockIO weigh the VM's traffic and disk I/O on the host, in the files runc
     * writes: those of them that this host's cgroups have (net_cls and net_prio are v1 only; blkio.weight is
     * CFQ's, blkio.bfq.weight and io.bfq.weight BFQ's, io.weight v2's io controller).
     */
    @Test
    void networkClassesAndBlockIoWeightsReachTheHostCgroup() throws Exception {
        String parent = "hull-it-w" + ProcessHandle.current().pid();
        String path = "/" + parent + "/w";
        ObjectNode config = Bundles.config("sleep", "1000");
        ObjectNode resources = config.putObject("linux").put("cgroupsPath", path).putObject("resources");
        ObjectNode network = resources.putObject("network").put("classID", 1_048_577);
        network.putArray("priorities").addObject().put("name", "lo").put("priority", 5);
        resources.putObject("blockIO").put("weight", 500);
        // The file and what it holds once written: the value as written, or in the list the kernel prints.
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("net_cls.classid", "1048577");
        expected.put("net_prio.ifpriomap", "lo 5");
        expected.put("blkio.weight", "500");
        expected.put("blkio.bfq.weight", "500");
        expected.put("io.bfq.weight", "500");
        expected.put("io.weight", Long.toString(1 + (500 - 10) * 9999 / 990));
        try {
            hull.run("run", "-d", "-b", Bundles.write(dir.resolve("w"), config).toString(), "w").assertOk();
            List<String> found = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                if (!line.contains(" - cgroup")) {
                    continue;
                }
                Path folder = Path.of(line.split(" ")[4]).resolve(parent).resolve("w");
                for (var e : expected.entrySet()) {
                    Path file = folder.resolve(e.getKey());
                    boolean bfqOwns = e.getKey().equals("io.weight")
                            && Files.exists(folder.resolve("io.bfq.weight"));
                    if (Files.exists(file) && !bfqOwns) {
                        found.add(e.getKey());
                        assertThat(Files.readString(file)).as(file.toString()).contains(e.getValue());
                    }
                }
            }
            assumeThat(found).as("this host's cgroups have none of " + expected.keySet()
                    + " (no net_cls/net_prio hierarchy, no BFQ or CFQ, no v2 io controller)").isNotEmpty();
            hull.run("delete", "-f", "w").assertOk();
        } finally {
            hull.run("delete", "-f", "w");
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                if (line.contains(" - cgroup")) {
                    Files.deleteIfExists(Path.of(line.split(" ")[4]).resolve(parent));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"virtiofs", "9p"})
    void aReadOnlyRootStaysReadOnlyAtTheHostEnd(String share) throws Exception {
        String marker = "written-from-" + share + "-" + System.nanoTime();
        ObjectNode config = Bundles.config("sh", "-c", "mount -o remount,rw / && echo remounted;"
                + " echo x > /" + marker + " && echo WROTE; true");
        ((ObjectNode) config.get("root")).put("readonly", true);
        config.putObject("vm").put("share", share);
        var r = hull.run("run", "-b", Bundles.write(dir.resolve("ro-" + share), config).toString(), "ro-" + share);
        assertThat(r.code()).as(r.stderr()).isZero();
        // The guest lets root remount its own mount; the host end refuses the write all the same.
        assertThat(r.stdout()).doesNotContain("WROTE");
        assertThat(r.stderr()).contains("Read-only file system");
        Path rootfs = Path.of(config.get("root").get("path").asText());
        assertThat(rootfs.resolve(marker)).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"virtiofs", "9p"})
    void theRootShareCannotBeMountedASecondTime(String share) throws Exception {
        String mount = share.equals("9p") ? "mount -t 9p -o trans=virtio rootfs /dev/again"
                : "mount -t virtiofs rootfs /dev/again";
        ObjectNode config = Bundles.config("sh", "-c", "mkdir /dev/again; " + mount + " && echo MOUNTED; true");
        config.putObject("vm").put("share", share);
        var r = hull.run("run", "-b", Bundles.write(dir.resolve("again-" + share), config).toString(),
                "again-" + share);
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).doesNotContain("MOUNTED");
        assertThat(r.stderr()).contains("Device or resource busy");
    }

    /**
     * A read-only root that lacks its mount points (Kubernetes' pause image holds only /pause) gets them
     * made in the rootfs before it goes read-only, as runc makes them: /proc, /dev, and an empty file to
     * bind a host file (resolv.conf) on.
     */
    @Test
    void aBareReadOnlyRootGetsItsMountPointsAsWithRunc() throws Exception {
        Path rootfs = Files.createDirectories(dir.resolve("bare/rootfs"));
        Files.copy(TestAssets.busyboxRootfs().resolve("bin/busybox"), rootfs.resolve("busybox"));
        Path resolv = Files.writeString(dir.resolve("resolv.conf"), "nameserver 192.0.2.53\n");
        ObjectNode config = Bundles.config("/busybox", "sh", "-c", "/busybox cat /etc/resolv.conf;"
                + " /busybox ls /proc/self/fd >/dev/null && echo proc-mounted");
        ((ObjectNode) config.get("root")).put("path", rootfs.toString()).put("readonly", true);
        var mounts = config.putArray("mounts");
        mounts.addObject().put("destination", "/proc").put("type", "proc").put("source", "proc");
        mounts.addObject().put("destination", "/dev").put("type", "tmpfs").put("source", "tmpfs");
        mounts.addObject().put("destination", "/etc/resolv.conf").put("type", "bind").put("source", resolv.toString())
                .putArray("options").add("rbind").add("ro");
        Files.writeString(dir.resolve("bare/config.json"), Bundles.JSON.writeValueAsString(config));
        var r = hull.run("run", "-b", dir.resolve("bare").toString(), "bare");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("nameserver 192.0.2.53\nproc-mounted\n");
        assertThat(rootfs.resolve("proc")).isDirectory();
        assertThat(rootfs.resolve("etc/resolv.conf")).isEmptyFile();
    }
}
