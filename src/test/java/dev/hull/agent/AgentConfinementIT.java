package dev.hull.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.agent.Results.ExitStatus;
import dev.hull.oci.Mount;
import dev.hull.oci.Process;
import dev.hull.testing.HostAgent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * What create's confinement looks like from inside a container: the real hull-agent in host mode, each test
 * with its own copy of the busybox root (the container's root is that folder, read-write).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentConfinementIT {
    private static final Duration T = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path rootfs;
    private HostAgent agent;
    private AgentClient client;
    private Path cgroup;

    @BeforeEach
    void startAgent() throws Exception {
        rootfs = HostAgent.copyOfBusybox(dir);
        agent = HostAgent.start(dir, rootfs);
        client = agent.client();
    }

    @AfterEach
    void stopAgent() throws Exception {
        agent.close();
        HostAgent.removeCopy(rootfs);
        if (cgroup != null) {
            Files.deleteIfExists(cgroup);
        }
    }

    private record Run(ExitStatus status, String stdout, String stderr) {
        String all() {
            return stdout + stderr;
        }
    }

    private static Process sh(String script) {
        return Process.of("sh", "-c", script);
    }

    private static Process withCaps(Process p, Process.Capabilities caps, Integer oom) {
        return new Process(p.terminal(), p.consoleSize(), p.user(), p.args(), p.env(), p.cwd(), p.rlimits(),
                p.noNewPrivileges(), caps, oom);
    }

    /** Root that may make device nodes and read the kernel's log: only the device rules stand in its way. */
    private static Process privileged(Process p) {
        return withCaps(p, only("CAP_MKNOD", "CAP_SYSLOG"), null);
    }

    private static Process.Capabilities only(String... caps) {
        List<String> l = List.of(caps);
        return new Process.Capabilities(l, l, l, l, null);
    }

    private static JsonNode json(String text) throws IOException {
        return JSON.readTree(text.replace('\'', '"'));
    }

    private Run run(String id, Process process, List<Mount> mounts, JsonNode linux, boolean readonly)
            throws Exception {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        ProcessStreams io = client.streams(out, err, false);
        client.create(new Request.Create(id, id, readonly, process, mounts, io.wire(), null, null, linux), T);
        var exit = client.waitFor(id, null);
        client.start(id, T);
        ExitStatus status = exit.get(T.toSeconds(), TimeUnit.SECONDS);
        io.awaitOutput(T);
        client.delete(id, T);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Run run(Process process, JsonNode linux) throws Exception {
        return run("c1", process, null, linux, false);
    }

    /** Starts `sleep 100` as the container's first process, for execs into it. */
    private void startSleeper(String id, Process base, JsonNode linux) throws Exception {
        ProcessStreams io = client.streams(OutputStream.nullOutputStream(),
                OutputStream.nullOutputStream(), false);
        Process p = new Process(false, null, base.user(), List.of("sleep", "100"), base.env(), "/", null,
                base.noNewPrivileges(), base.capabilities(), base.oomScoreAdj());
        client.create(new Request.Create(id, id, false, p, null, io.wire(), null, null, linux), T);
        client.start(id, T);
    }

    private Run exec(String id, String name, Process process) throws Exception {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        ProcessStreams io = client.streams(out, err, false);
        client.exec(new Request.Exec(id, name, process, io.wire()), T);
        ExitStatus status = client.waitFor(id, name).get(T.toSeconds(), TimeUnit.SECONDS);
        io.awaitOutput(T);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    // ---- 1. the root is the share itself ----

    @Test
    void writesToTheRootReachTheSharedFolder() throws Exception {
        Run r = run(sh("echo from-container > /written && mkdir /made && echo ok"), null);
        assertThat(r.all()).isEqualTo("ok\n");
        assertThat(Files.readString(rootfs.resolve("written"))).isEqualTo("from-container\n");
        assertThat(rootfs.resolve("made")).isDirectory();
        // A second container on the same root sees the first one's file: there is no per-container layer.
        assertThat(run("c2", sh("cat /written"), null, null, false).stdout()).isEqualTo("from-container\n");
    }

    @Test
    void aReadonlyRootRefusesWrites() throws Exception {
        Run r = run("c1", sh("echo x > /written"), null, null, true);
        assertThat(r.status().code()).isNotZero();
        assertThat(r.stderr()).contains("Read-only file system");
        assertThat(rootfs.resolve("written")).doesNotExist();
    }

    // ---- 2. capabilities ----

    @Test
    void onlyCapKillLeavesJustThatAndChownFails() throws Exception {
        Process p = withCaps(sh("grep Cap /proc/self/status; touch /f; chown 1 /f && echo chowned"),
                only("CAP_KILL"), null);
        Run r = run(p, null);
        assertThat(r.stdout()).contains("CapEff:\t0000000000000020", "CapPrm:\t0000000000000020",
                "CapBnd:\t0000000000000020").doesNotContain("chowned");
        assertThat(r.stderr()).contains("Operation not permitted");
    }

    private static final String ALL_SETS = "grep -E '^(Cap|NoNewPrivs)' /proc/self/status";
    private static final String NO_CAPS = """
            CapInh:\t0000000000000000
            CapPrm:\t0000000000000000
            CapEff:\t0000000000000000
            CapBnd:\t0000000000000000
            CapAmb:\t0000000000000000
            """;

    /** runc's rule: no capabilities object is no capabilities (not the agent's own set). */
    @Test
    void withoutACapabilitiesObjectRootHasNone() throws Exception {
        Run r = run(sh(ALL_SETS + " | grep Cap; touch /f; chown 1 /f && echo chowned"), null);
        assertThat(r.stdout()).isEqualTo(NO_CAPS);
        assertThat(r.stderr()).contains("Operation not permitted");
    }

    /** containerd's, podman's and docker's "drop ALL" is an object with every set left out: each is empty. */
    @Test
    void anEmptyCapabilitiesObjectLeavesEverySetEmpty() throws Exception {
        Run r = run(withCaps(sh(ALL_SETS + " | grep Cap"), new Process.Capabilities(null, null, null, null, null),
                null), null);
        assertThat(r.stdout()).isEqualTo(NO_CAPS);
        List<String> kill = List.of("CAP_KILL");
        // With no_new_privs: without it root's execve would make the bounding set its permitted set.
        Process nnp = sh(ALL_SETS + " | grep -E 'Cap(Bnd|Eff)'");
        nnp = new Process(false, null, nnp.user(), nnp.args(), nnp.env(), "/", null, true,
                new Process.Capabilities(kill, null, null, null, null), null);
        r = run(nnp, null);
        assertThat(r.stdout()).isEqualTo("CapEff:\t0000000000000000\nCapBnd:\t0000000000000020\n");
    }

    /**
     * runc's rule for an exec whose process leaves capabilities and oomScoreAdj out: the container's;
     * noNewPrivileges is the exec's own (false), not inherited.
     */
    @Test
    void anExecWithoutCapabilitiesGetsTheContainers() throws Exception {
        List<String> bounding = List.of("CAP_KILL", "CAP_CHOWN");
        List<String> kill = List.of("CAP_KILL");
        Process box = withCaps(Process.of(), new Process.Capabilities(bounding, kill, null, kill, null), 500);
        startSleeper("box", new Process(false, null, box.user(), box.args(), box.env(), "/", null, true,
                box.capabilities(), box.oomScoreAdj()), null);
        Run r = exec("box", "e1", sh(ALL_SETS + "; cat /proc/self/oom_score_adj"));
        // Without no_new_privs root's execve makes the permitted set the bounding set, as under runc.
        assertThat(r.stdout()).isEqualTo("""
                CapInh:\t0000000000000000
                CapPrm:\t0000000000000021
                CapEff:\t0000000000000021
                CapBnd:\t0000000000000021
                CapAmb:\t0000000000000000
                NoNewPrivs:\t0
                500
                """);
    }

    @Test
    void anExecWithoutCapabilitiesInAContainerWithoutAnyHasNone() throws Exception {
        startSleeper("box", withCaps(Process.of(), new Process.Capabilities(null, null, null, null, null), null),
                null);
        assertThat(exec("box", "e1", sh(ALL_SETS + " | grep Cap")).stdout()).isEqualTo(NO_CAPS);
    }

    @Test
    void ambientCapabilitiesReachANonRootWorkload() throws Exception {
        List<String> bind = List.of("CAP_NET_BIND_SERVICE");
        Process p = withCaps(sh("grep -E 'Cap(Eff|Amb)' /proc/self/status; id -u"),
                new Process.Capabilities(bind, bind, bind, bind, bind), null)
                .withUser(new Process.User(1000, 1000, null, null));
        Run r = run(p, null);
        assertThat(r.stdout()).isEqualTo("CapEff:\t0000000000000400\nCapAmb:\t0000000000000400\n1000\n");
    }

    @Test
    void execdProcessesGetTheirOwnCapabilities() throws Exception {
        startSleeper("box", Process.of(), null);
        Run r = exec("box", "e1", withCaps(sh("grep CapEff /proc/self/status"), only("CAP_KILL", "CAP_CHOWN"), null));
        assertThat(r.stdout()).isEqualTo("CapEff:\t0000000000000021\n");
    }

    /** runc leaves a capability it does not know out of the sets (the host logs runc's warning). */
    @Test
    void anUnknownCapabilityIsLeftOut() throws Exception {
        Run r = run(withCaps(sh("grep -E 'Cap(Eff|Bnd)' /proc/self/status"), only("CAP_NO_SUCH", "CAP_KILL"), null),
                null);
        assertThat(r.status().code()).isZero();
        assertThat(r.stdout()).isEqualTo("CapEff:\t0000000000000020\nCapBnd:\t0000000000000020\n");
    }

    // ---- 3. seccomp ----

    private static final String MKDIR_ENOSYS = "{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW',"
            + "'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86','SCMP_ARCH_X32'],"
            + "'syscalls':[{'names':['mkdir','mkdirat','no_such_syscall'],'action':'SCMP_ACT_ERRNO','errnoRet':38},"
            + "{'names':['kill'],'action':'SCMP_ACT_ERRNO','args':[{'index':1,'value':10,'op':'SCMP_CMP_EQ'}]}]}}";

    @Test
    void aSeccompRuleMakesMkdirFailWithItsErrno() throws Exception {
        Run r = run(sh("mkdir /d1; echo rc=$?"), json(MKDIR_ENOSYS));
        assertThat(r.stdout()).isEqualTo("rc=1\n");
        assertThat(r.stderr()).contains("Function not implemented");
        assertThat(rootfs.resolve("d1")).doesNotExist();
    }

    @Test
    void seccompArgumentFiltersMatchOnlyTheirValues() throws Exception {
        // kill(pid, SIGUSR1) is refused (EPERM, the default errno), kill(pid, 0) is not.
        Run r = run(sh("kill -0 $$ && echo zero-ok; kill -USR1 $$ || echo usr1-refused"), json(MKDIR_ENOSYS));
        assertThat(r.stdout()).isEqualTo("zero-ok\nusr1-refused\n");
        assertThat(r.stderr()).contains("Operation not permitted");
    }

    @Test
    void execdProcessesGetTheContainersSeccompProfile() throws Exception {
        startSleeper("box", Process.of(), json(MKDIR_ENOSYS));
        Run r = exec("box", "e1", sh("mkdir /d2 || echo refused"));
        assertThat(r.stdout()).isEqualTo("refused\n");
        assertThat(r.stderr()).contains("Function not implemented");
    }

    @Test
    void seccompWorksForANonRootUserWithoutNoNewPrivileges() throws Exception {
        // Loading a filter without no_new_privs needs CAP_SYS_ADMIN, which this user does not have.
        Process p = sh("id -u; mkdir /tmp/d3 || echo refused").withUser(new Process.User(1000, 1000, null, null));
        Run r = run(p, json(MKDIR_ENOSYS));
        assertThat(r.stdout()).isEqualTo("1000\nrefused\n");
        // Root keeps its own set once the filter is loaded: only the CAP_SYS_ADMIN it was lent goes.
        assertThat(run(withCaps(sh("grep CapEff /proc/self/status"), only("CAP_KILL"), null), json(MKDIR_ENOSYS))
                .stdout()).isEqualTo("CapEff:\t0000000000000020\n");
    }

    @Test
    void podmansDefaultProfileLoadsAndAShellRunsUnderIt() throws Exception {
        JsonNode profile;
        try (InputStream in = getClass().getResourceAsStream("seccomp-podman-default-amd64.json")) {
            profile = JSON.readTree(in);
        }
        ObjectNode linux = JSON.createObjectNode();
        linux.set("seccomp", profile);
        Process p = withCaps(sh("echo ok; grep Seccomp: /proc/self/status; unshare -m true || echo unshare-refused"),
                only("CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_SETGID"), null);
        Run r = run(p, linux);
        assertThat(r.stdout()).isEqualTo("ok\nSeccomp:\t2\nunshare-refused\n");
    }

    @Test
    void anUnsupportedSeccompActionFailsCreate() {
        ProcessStreams io = client.streams(OutputStream.nullOutputStream(),
                OutputStream.nullOutputStream(), false);
        assertThatThrownBy(() -> client.create(new Request.Create("bad", null, false, Process.of("true"), null,
                io.wire(), null, null, json("{'seccomp':{'defaultAction':'SCMP_ACT_NOTIFY'}}")), T))
                .isInstanceOf(AgentException.class).hasMessageContaining("SCMP_ACT_NOTIFY");
    }

    // ---- 4. masked and read-only paths, devices, oomScoreAdj, propagation, mount options ----

    @Test
    void maskedAndReadonlyPathsAsTheWorkloadSeesThem() throws Exception {
        JsonNode linux = json("{'maskedPaths':['/etc/secret','/srv','/proc/kcore','/no/such'],"
                + "'readonlyPaths':['/proc/sys','/bin/../no-such','/home']}");
        Files.writeString(rootfs.resolve("etc/secret"), "secret\n");
        Files.createDirectories(rootfs.resolve("srv/data"));
        Files.createDirectories(rootfs.resolve("home"));
        Run r = run(sh("cat /etc/secret | wc -c; ls -A /srv | wc -l; touch /srv/x || echo srv-ro;"
                + " echo x > /home/f || echo home-ro;"
                + " grep ' /proc/sys ' /proc/self/mountinfo | grep -c ' ro,'"), linux);
        assertThat(r.stdout()).isEqualTo("0\n0\nsrv-ro\nhome-ro\n1\n");
        assertThat(r.stderr()).contains("Read-only file system");
        assertThat(Files.readString(rootfs.resolve("etc/secret"))).isEqualTo("secret\n");
    }

    @Test
    void execdProcessesSeeTheMasks() throws Exception {
        startSleeper("box", Process.of(), json("{'maskedPaths':['/etc']}"));
        assertThat(exec("box", "e1", sh("ls -A /etc | wc -l")).stdout()).isEqualTo("0\n");
    }

    @Test
    void devicesAreMadeInTheContainersDev() throws Exception {
        JsonNode linux = json("{'devices':[{'path':'/dev/fuse','type':'c','major':10,'minor':229,'fileMode':384,"
                + "'uid':1000,'gid':1001},{'path':'/dev/null','type':'c','major':1,'minor':5},"
                + "{'path':'/dev/sub/pipe','type':'p'}]}");
        Run r = run(sh("stat -c '%n %F %t:%T %a %u:%g' /dev/fuse /dev/null /dev/sub/pipe"), linux);
        assertThat(r.stdout()).isEqualTo("""
                /dev/fuse character special file a:e5 600 1000:1001
                /dev/null character special file 1:5 666 0:0
                /dev/sub/pipe fifo 0:0 666 0:0
                """);
        assertThat(rootfs.resolve("dev/fuse")).doesNotExist(); // /dev is the container's tmpfs
    }

    @Test
    void oomScoreAdjIsSetForTheWorkloadAndForExecs() throws Exception {
        assertThat(run(withCaps(sh("cat /proc/self/oom_score_adj"), null, 500), null).stdout()).isEqualTo("500\n");
        startSleeper("box", Process.of(), null);
        // Raised only: lowering it needs CAP_SYS_RESOURCE in the first user namespace, which this test host
        // does not give even to root.
        assertThat(exec("box", "e1", withCaps(sh("cat /proc/self/oom_score_adj"), null, 700)).stdout())
                .isEqualTo("700\n");
    }

    @Test
    void rootfsPropagationAppliesToTheRootMount() throws Exception {
        String root = "awk '$5 == \"/\"' /proc/self/mountinfo";
        assertThat(run(sh(root), json("{'rootfsPropagation':'rshared'}")).stdout()).contains("shared:");
        assertThat(run(sh(root), json("{'rootfsPropagation':'rprivate'}")).stdout()).doesNotContain("shared:");
        assertThatThrownBy(() -> run(sh(root), json("{'rootfsPropagation':'sideways'}")))
                .isInstanceOf(AgentException.class).hasMessageContaining("sideways");
    }

    @Test
    void bindMountOptionsApplyToTheBind() throws Exception {
        Path vol = Files.createDirectories(dir.resolve("vol"));
        Files.writeString(vol.resolve("in"), "x");
        List<Mount> mounts = List.of(
                new Mount("/proc", "proc", "proc", List.of()),
                new Mount("/dev", "tmpfs", "tmpfs", List.of("mode=755")),
                new Mount("/vol", "bind", vol.toString(), List.of("rbind", "ro", "nosuid", "nodev", "rshared")),
                new Mount("/t", "tmpfs", "tmpfs", List.of("nosymfollow", "noexec")));
        Run r = run("c1", sh("cat /vol/in; echo; touch /vol/new || echo vol-ro;"
                + " awk '$5 == \"/vol\" {print $6, $7}' /proc/self/mountinfo;"
                + " ln -s /vol/in /t/link; cat /t/link || echo no-symfollow;"
                + " cp /bin/busybox /t/bb; /t/bb true || echo noexec"), mounts, null, false);
        assertThat(r.stdout()).startsWith("x\nvol-ro\nro,nosuid,nodev")
                .contains("shared:").endsWith("no-symfollow\nnoexec\n");
        assertThat(vol.resolve("new")).doesNotExist();
    }

    // ---- 5. linux.resources at create ----

    /** A cgroup v2 folder for the agent with hugetlb on: the only controller this host's v2 hierarchy has. */
    private void agentWithCgroup() throws Exception {
        Path unified = Path.of("/sys/fs/cgroup/unified");
        assumeThat(Files.exists(unified.resolve("cgroup.controllers"))
                && Files.readString(unified.resolve("cgroup.controllers")).contains("hugetlb"))
                .as("a cgroup v2 hierarchy with hugetlb").isTrue();
        Files.writeString(unified.resolve("cgroup.subtree_control"), "+hugetlb");
        cgroup = Files.createDirectory(unified.resolve("hull-it-" + UUID.randomUUID()));
        agent.close();
        agent = HostAgent.start(dir, rootfs, cgroup);
        client = agent.client();
    }

    /**
     * The host's huge page sizes as hugetlb's files name them ("2MB", "1GB"), smallest first: hosts differ
     * (some have 2 MiB pages only).
     */
    static List<String> hugePageSizes() throws IOException {
        try (var sizes = Files.list(Path.of("/sys/kernel/mm/hugepages"))) {
            return sizes.map(d -> Long.parseLong(d.getFileName().toString().replaceAll("\\D", ""))).sorted()
                    .map(kib -> kib >= 1 << 20 ? (kib >> 20) + "GB" : kib >= 1 << 10 ? (kib >> 10) + "MB" : kib + "KB")
                    .toList();
        }
    }

    @Test
    void resourcesAreInTheCgroupBeforeTheWorkloadRuns() throws Exception {
        agentWithCgroup();
        List<String> sizes = hugePageSizes();
        String small = sizes.getFirst();
        // A unified file of another size, or with one size its reservation limit.
        String other = sizes.size() > 1 ? "hugetlb." + sizes.getLast() + ".max" : "hugetlb." + small + ".rsvd.max";
        // memory and pids are not on in this host's v2 hierarchy: skipped, not an error.
        JsonNode linux = json("{'resources':{'hugepageLimits':[{'pageSize':'" + small + "','limit':4194304}],"
                + "'unified':{'" + other + "':'1073741824'},'memory':{'limit':67108864},'pids':{'limit':10}}}");
        Run r = run(sh("cat /sys/fs/cgroup/hugetlb." + small + ".max /sys/fs/cgroup/" + other), linux);
        assertThat(r.stdout()).isEqualTo("4194304\n1073741824\n");
    }

    @Test
    void aUnifiedFileThatIsNotThereFailsCreate() throws Exception {
        agentWithCgroup();
        JsonNode linux = json("{'resources':{'unified':{'no.such.file':'1'}}}");
        assertThatThrownBy(() -> run(Process.of("true"), linux))
                .isInstanceOf(AgentException.class).hasMessageContaining("no.such.file");
        assertThat(Files.list(cgroup).filter(Files::isDirectory).toList()).isEmpty();
    }

    @Test
    void swapSmallerThanTheMemoryLimitFailsCreate() throws Exception {
        agentWithCgroup();
        JsonNode linux = json("{'resources':{'memory':{'limit':67108864,'swap':1048576}}}");
        assertThatThrownBy(() -> run(Process.of("true"), linux))
                .isInstanceOf(AgentException.class).hasMessageContaining("memory.swap");
    }

    @Test
    void updateUsesTheSameCode() throws Exception {
        agentWithCgroup();
        startSleeper("box", Process.of(), null);
        String small = hugePageSizes().getFirst();
        client.update(new Request.Update("box", json("{'hugepageLimits':[{'pageSize':'" + small
                + "','limit':2097152}]}")), T);
        assertThat(exec("box", "e1", sh("cat /sys/fs/cgroup/hugetlb." + small + ".max")).stdout())
                .isEqualTo("2097152\n");
        client.delete("box", T);
    }

    // ---- 6. user namespaces ----

    /** The container's root must reach its root folder, as with runc: JUnit's temporary folder is 0700. */
    private void openToShiftedRoot() throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String userns(int hostId) {
        String map = "[{'containerID':0,'hostID':" + hostId + ",'size':65536}]";
        return "'namespaces':[{'type':'pid'},{'type':'mount'},{'type':'user'}],'uidMappings':" + map
                + ",'gidMappings':" + map;
    }

    @Test
    void aUserNamespaceWithAnIdentityMapLooksLikeRootInside() throws Exception {
        String agentsNs = Files.readSymbolicLink(Path.of("/proc/self/ns/user")).toString();
        Run r = run(sh("cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/user; id -u;"
                + " stat -c %u:%g /bin/busybox; hostname; touch /made && echo made"), json("{" + userns(0) + "}"));
        String[] lines = r.stdout().split("\n");
        assertThat(lines[0].trim().split("\\s+")).containsExactly("0", "0", "65536");
        assertThat(lines[1].trim().split("\\s+")).containsExactly("0", "0", "65536");
        assertThat(lines[2]).startsWith("user:[").isNotEqualTo(agentsNs);
        assertThat(List.of(lines).subList(3, lines.length)).containsExactly("0", "0:0", "c1", "made");
    }

    @Test
    void aShiftedMapMakesTheRootFilesNobodysAndWritesLandShifted() throws Exception {
        openToShiftedRoot();
        JsonNode linux = json("{" + userns(100000) + ",'maskedPaths':['/etc/secret'],"
                + MKDIR_ENOSYS.substring(1, MKDIR_ENOSYS.length() - 1) + "}");
        Files.writeString(rootfs.resolve("etc/secret"), "secret\n");
        Process p = withCaps(sh("cat /proc/self/uid_map; id -u; stat -c %u:%g /bin/busybox;"
                + " grep CapEff /proc/self/status;"
                + " touch /tmp/by-root; cat /etc/secret | wc -c; mkdir /tmp/d || echo mkdir-refused;"
                + " touch /not-mine || echo root-dir-refused"), only("CAP_KILL", "CAP_CHOWN"), null);
        Run r = run(p, linux);
        String[] lines = r.stdout().split("\n");
        assertThat(lines[0].trim().split("\\s+")).containsExactly("0", "100000", "65536");
        assertThat(List.of(lines).subList(1, lines.length)).containsExactly("0", "65534:65534",
                "CapEff:\t0000000000000021", "0", "mkdir-refused", "root-dir-refused");
        // On the host (here: the agent's side) the container's root is uid 100000.
        assertThat(Files.getAttribute(rootfs.resolve("tmp/by-root"), "unix:uid")).isEqualTo(100000);
        assertThat(Files.getAttribute(rootfs.resolve("tmp/by-root"), "unix:gid")).isEqualTo(100000);
    }

    @Test
    void processUserIdsAreIdsInsideTheNamespace() throws Exception {
        openToShiftedRoot();
        Process p = sh("id -u; id -g; touch /tmp/by-1000").withUser(new Process.User(1000, 1000, null, null));
        Run r = run(p, json("{" + userns(100000) + "}"));
        assertThat(r.stdout()).isEqualTo("1000\n1000\n");
        assertThat(Files.getAttribute(rootfs.resolve("tmp/by-1000"), "unix:uid")).isEqualTo(101000);
    }

    @Test
    void execdProcessesJoinTheUserNamespace() throws Exception {
        openToShiftedRoot();
        startSleeper("box", Process.of(), json("{" + userns(100000) + "}"));
        Run r = exec("box", "e1", sh("cat /proc/self/uid_map; id -u; touch /tmp/by-exec;"
                + " [ \"$(readlink /proc/self/ns/user)\" = \"$(readlink /proc/$(pidof sleep)/ns/user)\" ]"
                + " && echo same-ns"));
        String[] lines = r.stdout().split("\n");
        assertThat(lines[0].trim().split("\\s+")).containsExactly("0", "100000", "65536");
        assertThat(List.of(lines).subList(1, lines.length)).containsExactly("0", "same-ns");
        assertThat(Files.getAttribute(rootfs.resolve("tmp/by-exec"), "unix:uid")).isEqualTo(100000);
    }

    @Test
    void userNamespaceMistakesFailCreateAndLeaveNothing() throws Exception {
        String map = "[{'containerID':0,'hostID':0,'size':65536}]";
        assertThatThrownBy(() -> run(Process.of("true"), json("{'namespaces':[{'type':'user'}]}")))
                .isInstanceOf(AgentException.class).hasMessageContaining("uidMappings and linux.gidMappings");
        assertThatThrownBy(() -> run(Process.of("true"), json("{'uidMappings':" + map + ",'gidMappings':" + map + "}")))
                .isInstanceOf(AgentException.class).hasMessageContaining("no user namespace");
        assertThatThrownBy(() -> run(Process.of("true"), json("{'namespaces':[{'type':'user',"
                + "'path':'/proc/1/ns/user'}],"
                + "'uidMappings':" + map + ",'gidMappings':" + map + "}")))
                .isInstanceOf(AgentException.class).hasMessageContaining("joining a user namespace is not supported");
        // A map the kernel refuses (the same container id twice) fails create through the agent.
        String bad = "[{'containerID':0,'hostID':0,'size':10},{'containerID':5,'hostID':500,'size':10}]";
        assertThatThrownBy(() -> run(Process.of("true"), json("{'namespaces':[{'type':'user'}],'uidMappings':"
                + bad + ",'gidMappings':" + map + "}")))
                .isInstanceOf(AgentException.class).hasMessageContaining("uidMappings");
        assertThat(run(Process.of("true"), null).status().code()).isZero();
    }

    // ---- 7. linux.resources.devices: a BPF device program on the container's cgroup ----

    /** A cgroup v2 folder for the agent (no controller needed: device programs attach to any v2 cgroup). */
    private void agentWithAnyCgroup() throws Exception {
        Path unified = Path.of("/sys/fs/cgroup/unified");
        if (!Files.exists(unified.resolve("cgroup.controllers"))) {
            unified = Path.of("/sys/fs/cgroup");
        }
        assumeThat(Files.exists(unified.resolve("cgroup.controllers"))).as("a cgroup v2 hierarchy").isTrue();
        cgroup = Files.createDirectory(unified.resolve("hull-it-" + UUID.randomUUID()));
        agent.close();
        agent = HostAgent.start(dir, rootfs, cgroup);
        client = agent.client();
    }

    private static final String DOCKER_DEVICES = "{'resources':{'devices':[{'allow':false,'access':'rwm'},"
            + "{'allow':true,'type':'c','access':'m'},{'allow':true,'type':'b','access':'m'},"
            + "{'allow':true,'type':'c','major':1,'minor':3,'access':'rwm'},"
            + "{'allow':true,'type':'c','major':1,'minor':5,'access':'rwm'},"
            + "{'allow':true,'type':'c','major':1,'minor':7,'access':'rwm'},"
            + "{'allow':true,'type':'c','major':1,'minor':8,'access':'rwm'},"
            + "{'allow':true,'type':'c','major':1,'minor':9,'access':'rwm'},"
            + "{'allow':true,'type':'c','major':5,'minor':0,'access':'rwm'},"
            + "{'allow':true,'type':'c','major':5,'minor':1,'access':'rwm'},"
            + "{'allow':true,'type':'c','major':5,'minor':2,'access':'rwm'},"
            + "{'allow':true,'type':'c','major':136,'access':'rwm'},"
            + "{'allow':true,'type':'c','major':10,'minor':200,'access':'rwm'}]}}";

    /** Runs it, or skips the test where this host's kernel will not load or attach the program. */
    private Run runWithDevices(Process p, JsonNode linux) throws Exception {
        try {
            return run(p, linux);
        } catch (AgentException e) {
            // Only the kernel saying no to bpf() itself is a reason to skip; a program it refuses is a bug.
            assumeThat(e.getMessage()).as("this host cannot attach a BPF device program: " + e.getMessage())
                    .doesNotContainPattern("(loading the BPF program|attaching to .*): (Operation not permitted"
                            + "|Function not implemented)");
            throw e;
        }
    }

    @Test
    void dockersDeviceRulesAllowNullAndRefuseAMadeMemNode() throws Exception {
        agentWithAnyCgroup();
        Run r = runWithDevices(privileged(sh("echo x > /dev/null && echo null-ok; head -c1 /dev/zero | wc -c;"
                + " mknod /dev/mem c 1 1 && echo made; head -c1 /dev/mem; echo rc=$?")), json(DOCKER_DEVICES));
        assertThat(r.stdout()).isEqualTo("null-ok\n1\nmade\nrc=1\n");
        assertThat(r.stderr()).contains("/dev/mem").contains("Operation not permitted");
    }

    @Test
    void theLastMatchingDeviceRuleWinsAndAccessIsPerRule() throws Exception {
        agentWithAnyCgroup();
        // No deny-all: what no rule names stays allowed. kmsg (1:11) is denied, then re-allowed for reading
        // only; mem (1:1) denied for reading. runc's own rules come after the container's (ptys, /dev/null,
        // /dev/zero... rwm; mknod of anything), so the devices tested are ones runc does not allow itself.
        JsonNode linux = json("{'resources':{'devices':[{'allow':false,'type':'c','major':1,'minor':11},"
                + "{'allow':true,'type':'c','major':1,'minor':11,'access':'r'},"
                + "{'allow':false,'type':'c','major':1,'minor':1,'access':'r'},"
                + "{'allow':false,'type':'c','major':1,'minor':5}]}}");
        Run r = runWithDevices(privileged(sh("mknod /tmp/kmsg c 1 11; mknod /tmp/mem c 1 1;"
                + " (exec 3</tmp/kmsg) && echo kmsg-r-ok; (exec 4>/tmp/kmsg) 2>/dev/null || echo kmsg-w-refused;"
                + " (exec 5</tmp/mem) 2>/dev/null || echo mem-r-refused; head -c1 /dev/zero | wc -c;"
                + " head -c1 /dev/urandom | wc -c; rm -f /tmp/kmsg /tmp/mem")), linux);
        // /dev/zero was denied by the container's last rule, and allowed again by runc's after it.
        assertThat(r.stdout()).isEqualTo("kmsg-r-ok\nkmsg-w-refused\nmem-r-refused\n1\n1\n");
    }

    @Test
    void aDeviceRuleOfAnUnknownTypeFailsCreate() throws Exception {
        agentWithAnyCgroup();
        assertThatThrownBy(() -> run(Process.of("true"),
                json("{'resources':{'devices':[{'allow':true,'type':'x','access':'rwm'}]}}")))
                .isInstanceOf(AgentException.class).hasMessageContaining("linux.resources.devices");
        assertThat(Files.list(cgroup).filter(Files::isDirectory).toList()).isEmpty();
    }
}
