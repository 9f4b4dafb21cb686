package dev.hull.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hull.e2e.Commands.Out;
import dev.hull.shim.RunDir;
import dev.hull.testing.Http;
import dev.hull.testing.HullCli;
import dev.hull.testing.Leftovers;
import dev.hull.testing.NetLeftovers;
import dev.hull.testing.TestAssets;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Kubernetes' own path to Hull, without a kubelet: Debian's containerd with its CRI plugin, a runtime
 * handler {@code hull} (the standard runc v2 shim with Hull as its binary, as docs/containerd.md configures
 * it), CNI's bridge on a subnet of the test's own, and the calls kubelet makes for a pod, through a small
 * CRI client (tests/cri/cri.py). What is asserted is what a user of the pod sees: its containers in one
 * VM, localhost between them, the pod IP from the node, exec and exit codes, and nothing left after the
 * pod is removed.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CriE2EIT {
    private static final String PAUSE = "localhost/hull-pause:e2e";
    private static final String BUSYBOX = "localhost/hull-busybox:e2e";
    /** The CNI network: a subnet and a bridge no manager on these machines uses. */
    private static final String NETWORK = "hullcri";
    private static final String BRIDGE = "hullcri0";
    private static final String SUBNET = "10.88.77.0/24";
    /** Debian's python3 (python3-grpcio is installed for it, not for a python3 earlier on PATH). */
    private static final String PYTHON = "/usr/bin/python3";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static Daemon containerd;
    private static String busyboxId;
    private static List<String> netBefore;
    /** The ids of every sandbox and container made here, for the clean-up. */
    private static final List<String> MADE = new ArrayList<>();

    private static Path socket() {
        return dir.resolve("containerd.sock");
    }

    /**
     * The runtime handler the pods ask for: {@code hull}, the runc v2 shim with Hull as its binary, or with
     * -Dhull.cri.handler=hull-v2 (a failsafe execution of its own), Hull's own v2 shim
     * ({@code io.containerd.hull.v2}, bin/containerd-shim-hull-v2 on containerd's PATH).
     */
    private static final String HANDLER = System.getProperty("hull.cri.handler", "hull");

    private static boolean v2() {
        return HANDLER.equals("hull-v2");
    }

    /** Hull's root: the runc shim's --root (the handler's Root), or the v2 shim's HULL_V2_ROOT. */
    private static Path hullRoot() {
        return dir.resolve(v2() ? "hull-v2" : "hull");
    }

    /** Where the containers' states are: the runc shim joins Root with containerd's namespace, the v2 shim ns/. */
    private static Path hullStates() {
        return v2() ? hullRoot().resolve("ns/k8s.io") : hullRoot().resolve("k8s.io");
    }

    private static Out run(String... cmd) throws IOException, InterruptedException {
        return Commands.run(dir, List.of(cmd));
    }

    private static Out ctr(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ctr", "-a", socket().toString(), "-n", "k8s.io"));
        cmd.addAll(List.of(args));
        return Commands.run(dir, cmd);
    }

    @BeforeAll
    static void startContainerdWithCri() throws Exception {
        Out grpc = run(PYTHON, "-c", "import grpc");
        assertThat(grpc.code()).as("the CRI client needs Debian's python3-grpcio (scripts/install-deps.sh): "
                + grpc.stderr()).isZero();
        for (String plugin : List.of("bridge", "host-local", "loopback")) {
            assertThat(Path.of("/usr/lib/cni", plugin)).as("containernetworking-plugins' " + plugin).isExecutable();
        }
        netBefore = NetLeftovers.find();

        Path cni = Files.createDirectories(dir.resolve("cni"));
        Files.writeString(cni.resolve("10-" + NETWORK + ".conflist"), """
                {
                  "cniVersion": "1.0.0",
                  "name": "%s",
                  "plugins": [
                    {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false, "hairpinMode": true,
                     "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s"}]], "routes": [{"dst": "0.0.0.0/0"}],
                              "dataDir": "%s"}}
                  ]
                }
                """.formatted(NETWORK, BRIDGE, SUBNET, dir.resolve("cni-ipam")));
        // The default runtime stays runc, as containerd's own default config has it (a runtimes table replaces
        // the default one, so runc is named again); the pods here ask for the handler "hull".
        Path config = dir.resolve("config.toml");
        Files.writeString(config, """
                version = 2
                root = "%s"
                state = "%s"
                [grpc]
                  address = "%s"
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "%s"
                  disable_apparmor = true
                  restrict_oom_score_adj = true
                  netns_mounts_under_state_dir = true
                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    snapshotter = "overlayfs"
                    default_runtime_name = "runc"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.hull]
                      runtime_type = "io.containerd.runc.v2"
                      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.hull.options]
                        BinaryName = "%s"
                        Root = "%s"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.hull-v2]
                      runtime_type = "io.containerd.hull.v2"
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "/usr/lib/cni"
                    conf_dir = "%s"
                    max_conf_num = 1
                """.formatted(dir.resolve("root"), dir.resolve("state"), socket(), PAUSE, runtimeBinary(),
                hullRoot(), cni));
        // containerd finds a v2 shim on its PATH, and passes its environment to the shims it starts.
        containerd = Daemon.start(List.of("env", "PATH=" + TestAssets.projectDir().resolve("bin") + ":"
                + System.getenv("PATH"), "HULL_V2_ROOT=" + dir.resolve("hull-v2"), "containerd", "--config",
                config.toString()), socket(),
                dir.resolve("containerd.log"), Duration.ofSeconds(60));
        Out plugins = run("ctr", "-a", socket().toString(), "plugins", "ls");
        List<String> criPlugin = plugins.stdout().lines().map(String::strip)
                .filter(l -> l.matches("io\\.containerd\\.grpc\\.v1\\s+cri\\s.*")).toList();
        assertThat(criPlugin).as("containerd's CRI plugin did not load: " + containerd.log().lines()
                .filter(l -> l.contains("grpc.v1.cri") && !l.contains("level=info")).toList())
                .singleElement().asString().endsWith(" ok");

        JsonNode version = cri("version", Map.of());
        assertThat(version.path("runtime_api_version").asText()).as(version.toString()).isEqualTo("v1");
        JsonNode status = cri("status", Map.of());
        List<String> ready = new ArrayList<>();
        for (JsonNode condition : status.path("conditions")) {
            if (condition.path("status").asBoolean()) {
                ready.add(condition.path("type").asText());
            }
        }
        assertThat(ready).as("the CRI status: " + status).contains("RuntimeReady", "NetworkReady");

        importImage(pauseRoot(), "pause", PAUSE, List.of("/pause"), List.of());
        importImage(TestAssets.busyboxRootfs(), "busybox", BUSYBOX, List.of(), List.of("sh"));
        // Kubelet names the image by the id the image service gives for the reference.
        busyboxId = cri("image-status", Map.of("image", BUSYBOX)).path("image").path("id").asText();
        assertThat(busyboxId).startsWith("sha256:");
    }

    /** Hull's launcher; -Dhull.cri.binary=PATH names another (a wrapper adding --debug, say). */
    private static String runtimeBinary() {
        return System.getProperty("hull.cri.binary", HullCli.launcher().toString());
    }

    /**
     * The sandbox image as Kubernetes ships it: /pause alone (tests/fixtures/pause.c, static). The sandbox's
     * root is read-only and its spec mounts /proc, /sys, /dev and /etc/resolv.conf, so Hull makes those
     * mount points in the rootfs before the root goes read-only, as runc does.
     */
    private static Path pauseRoot() throws Exception {
        Path root = Files.createDirectories(dir.resolve("pause-root"));
        Out cc = run("cc", "-static", "-O2", "-o", root.resolve("pause").toString(),
                TestAssets.projectDir().resolve("tests/fixtures/pause.c").toString());
        assertThat(cc.code()).as(cc.stderr()).isZero();
        return root;
    }

    private static void importImage(Path rootfs, String name, String image, List<String> entrypoint, List<String> cmd)
            throws Exception {
        Path archive = OciArchive.of(rootfs, Files.createDirectories(dir.resolve("image-" + name)), image, entrypoint,
                cmd);
        Out imported = ctr("images", "import", archive.toString());
        assertThat(imported.code()).as(imported.stderr()).isZero();
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
        // What a failed test left: containerd's shims, Hull's shims and VMs (all name this folder).
        List<String> killed = new ArrayList<>(Leftovers.killAll(dir));
        List<Path> runDirs = MADE.stream().map(id -> RunDir.path(hullStates().resolve(id), true))
                .filter(d -> !d.startsWith(dir)).toList();
        for (Path runDir : runDirs) {
            killed.addAll(Leftovers.killAll(runDir));
        }
        if (!killed.isEmpty()) {
            System.err.println("CriE2EIT: killed what was left: " + killed);
            Thread.sleep(1000);
        }
        List<String> mounts = new ArrayList<>(mountsUnder(dir.toString()));
        for (Path runDir : runDirs) {
            mounts.addAll(mountsUnder(runDir.toString()));
        }
        for (String mountPoint : mounts.stream().sorted(Comparator.reverseOrder()).toList()) {
            new ProcessBuilder("umount", "-l", mountPoint).inheritIO().start().waitFor();
        }
        for (Path runDir : runDirs) {
            if (Files.exists(runDir) && mountsUnder(runDir.toString()).isEmpty()) {
                new ProcessBuilder("rm", "-rf", runDir.toString()).inheritIO().start().waitFor();
            }
        }
        new ProcessBuilder("ip", "link", "del", BRIDGE).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        for (Path cgroup : leftCgroups(MADE)) {
            new ProcessBuilder("rmdir", cgroup.toString()).inheritIO().start().waitFor();
        }
    }

    // --- the CRI calls ----------------------------------------------------------------------------

    /** One CRI call through tests/cri/cri.py: its answer, or an AssertionError with the runtime's error. */
    static JsonNode cri(String verb, Object request) throws Exception {
        return cri(verb, request, 60);
    }

    static JsonNode cri(String verb, Object request, int timeoutSeconds) throws Exception {
        Out r = criCall(verb, request, timeoutSeconds);
        if (r.code() != 0) {
            throw new AssertionError("CRI " + verb + " failed: " + r.stderr().strip() + hullErrors());
        }
        return JSON.readTree(r.stdout());
    }

    /** A CRI call as cri.py answers it: 0 and the reply on stdout, or 2 and the gRPC error on stderr. */
    private static Out criCall(String verb, Object request, int timeoutSeconds) throws Exception {
        return Commands.run(dir, List.of(PYTHON, TestAssets.projectDir().resolve("tests/cri/cri.py").toString(),
                "--socket", socket().toString(), "--timeout", Integer.toString(timeoutSeconds), verb,
                JSON.writeValueAsString(request)));
    }

    /** The last errors in Hull's log, to say why a call failed. */
    private static String hullErrors() throws IOException {
        Path log = v2() ? newestShimLog() : hullStates().resolve("hull.log");
        if (log == null || !Files.exists(log)) {
            return "";
        }
        List<String> errors = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains(" error: ") || l.contains("\"level\":\"error\"")).toList();
        return "\nhull.log's last errors:\n  "
                + String.join("\n  ", errors.subList(Math.max(0, errors.size() - 4), errors.size()));
    }

    /** The v2 shims' logs (kept while a shim runs, or when it died), the newest one. */
    private static Path newestShimLog() throws IOException {
        Path logs = hullRoot().resolve("log");
        if (!Files.isDirectory(logs)) {
            return null;
        }
        try (Stream<Path> s = Files.list(logs)) {
            return s.filter(p -> p.toString().endsWith(".log"))
                    .max(Comparator.comparing(p -> p.toFile().lastModified())).orElse(null);
        }
    }

    /** A pod as kubelet describes it in RunPodSandbox (and again in every CreateContainer). */
    private static Map<String, Object> sandboxConfig(String name, String uid) throws IOException {
        return sandboxConfig(name, uid, Map.of("network", "POD", "pid", "CONTAINER", "ipc", "POD"));
    }

    /** The same with the pod's namespace modes ({@code NODE}: hostNetwork, hostPID, hostIPC; pid POD: shared). */
    private static Map<String, Object> sandboxConfig(String name, String uid, Map<String, String> namespaces)
            throws IOException {
        Path logs = Files.createDirectories(dir.resolve("pods").resolve("default_" + name + "_" + uid));
        return Map.of(
                "metadata", Map.of("name", name, "uid", uid, "namespace", "default", "attempt", 0),
                "hostname", name,
                "log_directory", logs.toString(),
                "labels", Map.of("io.kubernetes.pod.name", name, "io.kubernetes.pod.namespace", "default",
                        "io.kubernetes.pod.uid", uid),
                "annotations", Map.of("kubernetes.io/config.source", "api"),
                "linux", Map.of("security_context", Map.of(
                        "namespace_options", namespaces,
                        "seccomp", Map.of("profile_type", "RuntimeDefault"))));
    }

    /** A pod of this test: its id, its config, and the containers made in it. */
    private record Pod(String id, Map<String, Object> config, List<String> containers) {
        String logDirectory() {
            return (String) config.get("log_directory");
        }

        @SuppressWarnings("unchecked")
        String uid() {
            return (String) ((Map<String, Object>) config.get("metadata")).get("uid");
        }
    }

    private static Pod runPodSandbox(String name, String uid) throws Exception {
        return runPodSandbox(sandboxConfig(name, uid));
    }

    private static Pod runPodSandbox(Map<String, Object> config) throws Exception {
        String id = cri("run-pod-sandbox", Map.of("config", config, "runtime_handler", HANDLER))
                .path("pod_sandbox_id").asText();
        assertThat(id).isNotEmpty();
        MADE.add(id);
        return new Pod(id, config, new ArrayList<>());
    }

    /**
     * CreateContainer and StartContainer of a busybox container, as kubelet makes it: its log under the pod's
     * log directory, /etc/hosts and /dev/termination-log bound from the kubelet's files, the default pid
     * namespace of v1 pods (CONTAINER), kubelet's resources for a BestEffort pod.
     */
    private static String startContainer(Pod pod, String name, String... command) throws Exception {
        return startContainer(pod, name, Map.of(), command);
    }

    /** The same, with {@code security} added to kubelet's security context (a pod spec's securityContext). */
    private static String startContainer(Pod pod, String name, Map<String, Object> security, String... command)
            throws Exception {
        Path kubelet = Files.createDirectories(dir.resolve("kubelet/pods").resolve(pod.uid()));
        Path hosts = kubelet.resolve("etc-hosts");
        if (!Files.exists(hosts)) {
            Files.writeString(hosts, "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n");
        }
        Path termination = Files.createDirectories(kubelet.resolve("containers").resolve(name)).resolve("0");
        Files.writeString(termination, "");
        Files.createDirectories(Path.of(pod.logDirectory()).resolve(name));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("metadata", Map.of("name", name, "attempt", 0));
        config.put("image", Map.of("image", busyboxId));
        config.put("command", List.of(command));
        config.put("envs", List.of(Map.of("key", "POD_CONTAINER", "value", name)));
        config.put("mounts", List.of(
                Map.of("container_path", "/etc/hosts", "host_path", hosts.toString()),
                Map.of("container_path", "/dev/termination-log", "host_path", termination.toString())));
        config.put("labels", Map.of("io.kubernetes.container.name", name, "io.kubernetes.pod.uid", pod.uid()));
        config.put("annotations", Map.of("io.kubernetes.container.restartCount", "0"));
        config.put("log_path", name + "/0.log");
        Map<String, Object> context = new LinkedHashMap<>(Map.of("namespace_options", Map.of("pid", "CONTAINER"),
                "seccomp", Map.of("profile_type", "RuntimeDefault"),
                "masked_paths", List.of("/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"),
                "readonly_paths", List.of("/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                        "/proc/sysrq-trigger")));
        context.putAll(security);
        config.put("linux", Map.of(
                "resources", Map.of("cpu_period", 100000, "cpu_shares", 2, "oom_score_adj", 1000),
                "security_context", context));
        String id = cri("create-container", Map.of("pod_sandbox_id", pod.id(), "config", config,
                "sandbox_config", pod.config())).path("container_id").asText();
        assertThat(id).isNotEmpty();
        MADE.add(id);
        pod.containers().add(id);
        cri("start-container", Map.of("container_id", id));
        return id;
    }

    private static JsonNode containerStatus(String id) throws Exception {
        return cri("container-status", Map.of("container_id", id)).path("status");
    }

    private static JsonNode execSync(String id, String... cmd) throws Exception {
        return cri("exec-sync", Map.of("container_id", id, "cmd", List.of(cmd), "timeout", 30));
    }

    /** The stdout of a command that must succeed. */
    private static String execOk(String id, String... cmd) throws Exception {
        JsonNode r = execSync(id, cmd);
        assertThat(r.path("exit_code").asInt()).as(String.join(" ", cmd) + ": " + r).isZero();
        return r.path("stdout").asText();
    }

    private static JsonNode awaitState(String id, String state) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode status = containerStatus(id);
        while (!status.path("state").asText().equals(state) && System.nanoTime() < end) {
            Thread.sleep(300);
            status = containerStatus(id);
        }
        assertThat(status.path("state").asText()).as(status + hullErrors()).isEqualTo(state);
        return status;
    }

    /** Kubelet's way out: stop the containers, stop the pod, then remove them and the pod. */
    private static void removePod(Pod pod) throws Exception {
        for (String id : pod.containers()) {
            cri("stop-container", Map.of("container_id", id, "timeout", 10));
        }
        cri("stop-pod-sandbox", Map.of("pod_sandbox_id", pod.id()));
        JsonNode stopped = cri("pod-sandbox-status", Map.of("pod_sandbox_id", pod.id())).path("status");
        assertThat(stopped.path("state").asText()).as(stopped.toString()).isEqualTo("SANDBOX_NOTREADY");
        for (String id : pod.containers()) {
            cri("remove-container", Map.of("container_id", id));
        }
        cri("remove-pod-sandbox", Map.of("pod_sandbox_id", pod.id()));
        assertThat(cri("list-pod-sandbox", Map.of()).path("items").toString()).doesNotContain(pod.id());
    }

    /** After a failure: stop and remove the pod (which removes its containers), errors ignored. */
    private static void forget(Pod pod) {
        quietly("stop-pod-sandbox", Map.of("pod_sandbox_id", pod.id()));
        quietly("remove-pod-sandbox", Map.of("pod_sandbox_id", pod.id()));
    }

    private static void quietly(String verb, Map<String, Object> request) {
        try {
            cri(verb, request, 20);
        } catch (Exception | AssertionError e) {
            System.err.println("CriE2EIT cleanup: " + e.getMessage());
        }
    }

    // --- what the node sees -----------------------------------------------------------------------

    /** Processes whose command line names {@code marker}, described. */
    private static List<String> processes(String marker) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .filter(c -> c.contains(marker))
                .toList();
    }

    /** The ids of a pod's sandbox and containers. */
    private static List<String> ids(Pod pod) {
        List<String> ids = new ArrayList<>(pod.containers());
        ids.add(pod.id());
        return ids;
    }

    /**
     * Where Hull's processes of a pod are named: the hull root, and the run folders of its ids (a state
     * folder too long for a socket path has its sockets in /run/hull/HASH, which qemu's command line names).
     */
    private static List<String> hullMarkers(Pod pod) {
        List<String> markers = new ArrayList<>(List.of(hullRoot().toString()));
        for (String id : ids(pod)) {
            markers.add(RunDir.path(hullStates().resolve(id), true).toString());
        }
        return markers;
    }

    /** The pod's qemu processes (those naming the hull root or the pod's run folders). */
    private static List<String> qemuOf(Pod pod) {
        return processes("qemu-system").stream()
                .filter(c -> hullMarkers(pod).stream().anyMatch(c::contains)).toList();
    }

    private static String allQemu() {
        return "every qemu here: " + processes("qemu-system").stream()
                .map(c -> c.length() > 400 ? c.substring(0, 400) + "..." : c).toList();
    }

    private static List<String> mountsUnder(String prefix) throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            return lines.map(l -> l.split(" ")[4].replace("\\040", " "))
                    .filter(m -> m.equals(prefix) || m.startsWith(prefix + "/")).sorted().toList();
        }
    }

    /** Host cgroups of these containers: containerd's cgroupsPath is /k8s.io/ID (in every v1 hierarchy). */
    private static List<Path> leftCgroups(List<String> ids) throws IOException {
        List<Path> hierarchies = new ArrayList<>(List.of(Path.of("/sys/fs/cgroup")));
        try (Stream<Path> s = Files.list(Path.of("/sys/fs/cgroup"))) {
            s.filter(Files::isDirectory).forEach(hierarchies::add);
        }
        List<Path> found = new ArrayList<>();
        for (Path h : hierarchies) {
            for (String id : ids) {
                Path c = h.resolve("k8s.io").resolve(id);
                if (Files.isDirectory(c)) {
                    found.add(c);
                }
            }
        }
        return found;
    }

    /** Nothing of the pod is left on the node: processes, state, run folders, mounts, taps, cgroups, its IP. */
    private static void assertNothingLeftOf(Pod pod, String ip) throws Exception {
        List<String> ids = ids(pod);
        List<String> left = new ArrayList<>();
        for (String marker : hullMarkers(pod)) {
            left.addAll(processes(marker));
        }
        for (String id : ids) {
            left.addAll(processes(id));
        }
        assertThat(left.stream().distinct().toList())
                .as("qemu, virtiofsd, Hull's shims or members, or containerd's shim left behind").isEmpty();
        for (String id : ids) {
            assertThat(hullStates().resolve(id)).as("Hull's state of " + id).doesNotExist();
            Path runDir = RunDir.path(hullStates().resolve(id), true);
            assertThat(mountsUnder(runDir.toString())).as("mounts under the run folder " + runDir).isEmpty();
            assertThat(runDir).as("the run folder of " + id).doesNotExist();
        }
        assertThat(mountsUnder(hullRoot().toString())).as("mounts under the hull root").isEmpty();
        List<String> podMounts = new ArrayList<>();
        for (String m : mountsUnder(dir.toString())) {
            if (ids.stream().anyMatch(m::contains) || m.contains("/netns/")) {
                podMounts.add(m);
            }
        }
        assertThat(podMounts).as("the pod's root filesystems, shm or network namespace still mounted").isEmpty();
        List<String> markers = hullMarkers(pod);
        markers.add(dir.toString());
        List<String> net = NetLeftovers.find().stream().filter(n -> !netBefore.contains(n))
                .filter(n -> isOurs(n, markers)).toList();
        assertThat(net).as("Hull taps or tc filters left in the pod's network namespace").isEmpty();
        assertThat(leftCgroups(ids)).as("host cgroups of the pod").isEmpty();
        assertThat(dir.resolve("cni-ipam").resolve(NETWORK).resolve(ip)).as("the pod's IP is still taken")
                .doesNotExist();
        Out iptables = run("iptables-save");
        assertThat(iptables.stdout().lines().filter(l -> l.contains(BRIDGE) || l.contains(ip)).toList())
                .as("iptables rules of the pod network").isEmpty();
    }

    /**
     * A NetLeftovers finding ("NAMESPACE: tap NAME") in a namespace of this test: one mounted under its folder,
     * or one of a process naming it (other tests on this machine may have taps of their own meanwhile).
     */
    private static boolean isOurs(String finding, List<String> markers) {
        String ns = finding.substring(0, finding.indexOf(": "));
        if (markers.stream().anyMatch(ns::startsWith)) {
            return true;
        }
        Matcher pid = Pattern.compile("^/proc/(\\d+)/").matcher(ns);
        return pid.find() && ProcessHandle.of(Long.parseLong(pid.group(1)))
                .flatMap(p -> p.info().commandLine()).map(c -> markers.stream().anyMatch(c::contains)).orElse(false);
    }

    private static String podIp(Pod pod) throws Exception {
        JsonNode status = cri("pod-sandbox-status", Map.of("pod_sandbox_id", pod.id())).path("status");
        assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("SANDBOX_READY");
        assertThat(status.path("runtime_handler").asText()).isEqualTo(HANDLER);
        String ip = status.path("network").path("ip").asText();
        assertThat(ip).as(status.toString()).startsWith("10.88.77.");
        return ip;
    }

    private static String hostBootId() throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"));
    }

    private interface InPod {
        void run(Pod pod, String ip) throws Exception;
    }

    /**
     * RunPodSandbox, {@code body}, then kubelet's StopPodSandbox and RemovePodSandbox and the check that
     * nothing of the pod is left; a failed body still has the pod taken away.
     */
    private static void inPod(String name, String uid, InPod body) throws Exception {
        inPod(sandboxConfig(name, uid), body);
    }

    private static void inPod(Map<String, Object> config, InPod body) throws Exception {
        Pod pod = runPodSandbox(config);
        boolean removed = false;
        try {
            String ip = podIp(pod);
            body.run(pod, ip);
            removePod(pod);
            removed = true;
            assertNothingLeftOf(pod, ip);
        } finally {
            if (!removed) {
                forget(pod);
            }
        }
    }

    // --- the tests --------------------------------------------------------------------------------

    /** RunPodSandbox alone: one VM on the pod network, reachable from the node; stopped and removed, gone. */
    @Test
    @Order(1)
    void aPodSandboxIsOneVmOnThePodNetwork() throws Exception {
        inPod("lonely", "7d0c7f2a-0000-4000-8000-000000000001", (pod, ip) -> {
            assertThat(qemuOf(pod)).as("qemu for the sandbox; " + allQemu()).hasSize(1);
            // Nothing listens in the pause VM: its kernel's refusal (a RST, at once) is the answer.
            assertThatThrownBy(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(ip, 8080), 10_000);
                }
            }).as("a connection to the pod IP from the node").isExactlyInstanceOf(ConnectException.class)
                    .hasMessageContaining("refused");
        });
    }

    /**
     * A pod of three containers: a web server, a client, and one that exits 3. They share one VM (one boot
     * id, one qemu) and its localhost; the pod IP reaches the server from the node; exec and exit codes come
     * back through the CRI; after RemovePodSandbox nothing of the pod is left.
     */
    @Test
    @Order(2)
    void aPodOfThreeContainersSharesOneVm() throws Exception {
        inPod("web", "7d0c7f2a-0000-4000-8000-000000000002", (pod, ip) -> {
            String server = startContainer(pod, "server", "sh", "-c",
                    "mkdir -p /www && echo served-in-the-pod > /www/index.html && echo server-up"
                            + " && exec httpd -f -p 8080 -h /www");
            String client = startContainer(pod, "client", "sh", "-c",
                    "echo client-up; trap 'exit 0' TERM; sleep 3600 & wait");
            assertThat(awaitState(server, "CONTAINER_RUNNING").path("name").asText()).isEqualTo("server");
            awaitState(client, "CONTAINER_RUNNING");

            String bootServer = execOk(server, "cat", "/proc/sys/kernel/random/boot_id");
            String bootClient = execOk(client, "cat", "/proc/sys/kernel/random/boot_id");
            assertThat(bootClient).as("the client's kernel is the server's").isEqualTo(bootServer)
                    .isNotEqualTo(hostBootId());
            assertThat(qemuOf(pod)).as("qemu processes for the pod; " + allQemu()).hasSize(1);
            if (v2()) {
                // Hull's v2 shim: one JVM serves the whole pod, and no runc shim or CLI runs for it.
                assertThat(processes("dev.hull.containerd.ShimMain").stream()
                        .filter(c -> c.contains(hullRoot().toString())).toList()).as("the pod's shim JVMs").hasSize(1);
                // This containerd's (they name its socket, under dir): another on the machine is not the pod's.
                assertThat(processes("containerd-shim-runc-v2").stream().filter(c -> c.contains(dir.toString()))
                        .toList()).as("runc shims").isEmpty();
                assertThat(processes("dev.hull.cli.Main").stream().filter(c -> c.contains(dir.toString())).toList())
                        .as("Hull CLI processes").isEmpty();
            }

            // (busybox 1.35's wget -T crashes: timeout bounds it instead.)
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            JsonNode fetched = execSync(client, "timeout", "10", "wget", "-qO-", "http://127.0.0.1:8080/");
            while (fetched.path("exit_code").asInt() != 0 && System.nanoTime() < end) {
                Thread.sleep(500);
                fetched = execSync(client, "timeout", "10", "wget", "-qO-", "http://127.0.0.1:8080/");
            }
            assertThat(fetched.path("stdout").asText()).as("the client fetching from localhost: " + fetched)
                    .isEqualTo("served-in-the-pod\n");
            assertThat(Http.curl("http://" + ip + ":8080/", Duration.ofSeconds(30))).as("the pod IP from the node")
                    .isEqualTo("served-in-the-pod\n");

            JsonNode exec = execSync(client, "sh", "-c", "echo out; echo err >&2; exit 7");
            assertThat(exec.path("stdout").asText()).as(exec.toString()).isEqualTo("out\n");
            assertThat(exec.path("stderr").asText()).as(exec.toString()).isEqualTo("err\n");
            assertThat(exec.path("exit_code").asInt()).as(exec.toString()).isEqualTo(7);
            // ExecSync with a timeout (Kubernetes conformance, "execSync with timeout"): containerd kills the pid
            // that stands for the process (the exec's relay) and waits for its output's end; the process in the
            // guest must go with it, and the call end at its timeout, not at the process's end.
            long t0 = System.nanoTime();
            Out timedOut = criCall("exec-sync", Map.of("container_id", client, "cmd", List.of("sleep", "30"),
                    "timeout", 1), 60);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(timedOut.code()).as("an ExecSync past its timeout fails: " + timedOut).isNotZero();
            assertThat(timedOut.stderr()).as(timedOut.toString()).contains("timeout");
            assertThat(took).as("ExecSync returns at its timeout").isLessThan(Duration.ofSeconds(20));
            assertThat(execOk(client, "ps").lines().filter(l -> l.endsWith("sleep 30")).toList())
                    .as("the timed-out exec's process in the guest").isEmpty();
            assertThat(execOk(client, "ps")).as("a pod that does not share its pid namespace: the server's"
                    + " processes, seen from the client").doesNotContain("httpd").doesNotContain("/pause");
            assertThat(execOk(client, "sh", "-c", "echo $POD_CONTAINER; hostname; cat /etc/hosts"))
                    .as("the client's env, the pod's hostname, kubelet's /etc/hosts")
                    .startsWith("client\nweb\n# Kubernetes-managed hosts file.\n");
            assertThat(Files.readString(Path.of(pod.logDirectory(), "client/0.log"))).as("the client's CRI log")
                    .contains(" stdout F client-up\n");

            String quitter = startContainer(pod, "quitter", "sh", "-c", "exit 3");
            JsonNode exited = awaitState(quitter, "CONTAINER_EXITED");
            assertThat(exited.path("exit_code").asInt()).as(exited.toString()).isEqualTo(3);
            assertThat(exited.path("finished_at").asLong()).isPositive();

            assertThat(containerStatus(server).path("state").asText()).as("the server, after the quitter exited")
                    .isEqualTo("CONTAINER_RUNNING");
            cri("stop-container", Map.of("container_id", client, "timeout", 10));
            JsonNode stopped = awaitState(client, "CONTAINER_EXITED");
            assertThat(stopped.path("exit_code").asInt()).as("the client's trap on SIGTERM: " + stopped).isZero();
        });
    }

    /**
     * A container whose pod spec drops ALL capabilities: containerd writes {@code "capabilities": {}}, which
     * leaves the pod's process and an ExecSync into it with none, as runc gives (they had the agent's full set).
     */
    @Test
    @Order(3)
    void aContainerThatDropsAllCapabilitiesAndItsExecsHaveNone() throws Exception {
        inPod("dropall", "7d0c7f2a-0000-4000-8000-000000000003", (pod, ip) -> {
            String caps = "^Cap(Prm|Eff|Bnd)";
            String id = startContainer(pod, "dropper", Map.of("capabilities", Map.of("drop_capabilities",
                    List.of("ALL"))), "sh", "-c", "grep -E '" + caps + "' /proc/self/status;"
                            + " trap 'exit 0' TERM; sleep 3600 & wait");
            awaitState(id, "CONTAINER_RUNNING");
            String none = "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t0000000000000000\n";
            Path log = Path.of(pod.logDirectory(), "dropper/0.log");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!(Files.exists(log) && Files.readString(log).contains("CapBnd")) && System.nanoTime() < end) {
                Thread.sleep(300);
            }
            List<String> logged = Files.readAllLines(log).stream().map(l -> l.substring(l.indexOf(" F ") + 3))
                    .toList();
            assertThat(String.join("\n", logged) + "\n").as("the pod's process, in its CRI log").isEqualTo(none);
            assertThat(execOk(id, "grep", "-E", caps, "/proc/self/status")).as("an ExecSync into it").isEqualTo(none);
        });
    }

    /**
     * hostNetwork and hostPID pods: containerd leaves the namespace out of the sandbox's config.json, which
     * runc reads as the host's; a VM cannot share the host's network or processes, so RunPodSandbox fails
     * with Hull's error naming the field (it used to run the pod with loopback alone, or its own processes,
     * silently), and nothing of the pod is left: no sandbox, no Hull state, no qemu.
     */
    @Test
    @Order(4)
    void hostNetworkAndHostPidPodsAreRefused() throws Exception {
        List<String> statesBefore = states();
        refused("hostnet", "7d0c7f2a-0000-4000-8000-000000000004", "network", "NODE", "pid", "CONTAINER");
        refused("hostpid", "7d0c7f2a-0000-4000-8000-000000000014", "pid", "NODE", "network", "POD");
        assertThat(states()).as("Hull's state after the refusals").isEqualTo(statesBefore);
        assertThat(processes("qemu-system").stream().filter(p -> p.contains(hullRoot().toString())).toList())
                .as("qemu of the refused pods").isEmpty();
    }

    /** RunPodSandbox with {@code type} in {@code mode} (NODE: the host's) fails, naming it; no sandbox is left. */
    private static void refused(String name, String uid, String type, String mode, String other, String otherMode)
            throws Exception {
        Map<String, Object> config = sandboxConfig(name, uid, Map.of(type, mode, other, otherMode, "ipc", "POD"));
        Out r = criCall("run-pod-sandbox", Map.of("config", config, "runtime_handler", HANDLER), 60);
        if (r.code() == 0) {
            // Made after all (as before Hull refused it): taken away, so that a failed run leaves nothing.
            Pod pod = new Pod(JSON.readTree(r.stdout()).path("pod_sandbox_id").asText(), config, new ArrayList<>());
            MADE.add(pod.id());
            forget(pod);
        }
        assertThat(r.code()).as("RunPodSandbox of a " + name + " pod: " + r).isNotZero();
        assertThat(r.stderr()).contains("linux.namespaces has no " + type + " namespace")
                .contains("the container would share the host's").contains("which a container in a VM cannot");
        assertThat(cri("list-pod-sandbox", Map.of()).path("items").toString()).as("sandboxes").doesNotContain(uid);
    }

    private static List<String> states() throws IOException {
        if (!Files.isDirectory(hullStates())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(hullStates())) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * shareProcessNamespace (pid POD): each container names the sandbox's pid namespace, and joins the
     * sandbox's in the guest, as runc's join it on the host: ps in one shows the pause process as PID 1 and
     * the other's process (each had a pid namespace of its own, and saw only its own processes). A pod
     * without it still isolates: aPodOfThreeContainersSharesOneVm.
     */
    @Test
    @Order(5)
    void aPodThatSharesItsProcessNamespaceSeesThePauseAndEveryMember() throws Exception {
        var config = sandboxConfig("sharedpid", "7d0c7f2a-0000-4000-8000-000000000005",
                Map.of("network", "POD", "pid", "POD", "ipc", "POD"));
        inPod(config, (pod, ip) -> {
            Map<String, Object> shared = Map.of("namespace_options", Map.of("pid", "POD"));
            String one = startContainer(pod, "one", shared, "sleep", "3601");
            String two = startContainer(pod, "two", shared, "sleep", "3602");
            awaitState(one, "CONTAINER_RUNNING");
            awaitState(two, "CONTAINER_RUNNING");
            for (String[] c : new String[][] {{one, "sleep 3602"}, {two, "sleep 3601"}}) {
                List<String> ps = execOk(c[0], "ps").lines().map(String::strip).toList();
                assertThat(ps).as("ps in a member of a pod sharing its pid namespace")
                        .anyMatch(l -> l.matches("1 .* /pause"))
                        .anyMatch(l -> l.endsWith(c[1]))
                        .anyMatch(l -> l.endsWith(c[1].equals("sleep 3602") ? "sleep 3601" : "sleep 3602"));
            }
            // A member whose first process ends leaves no process of its own behind in the pod (its orphans
            // would live on under the pause process): containerd kills them all, as runc's, when the pid
            // namespace is shared.
            String quitter = startContainer(pod, "quitter", shared, "sh", "-c", "sleep 3603 & sleep 1");
            awaitState(quitter, "CONTAINER_EXITED");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (execOk(two, "ps").contains("sleep 3603") && System.nanoTime() < end) {
                Thread.sleep(300);
            }
            assertThat(execOk(two, "ps")).as("the ended member's orphan").doesNotContain("sleep 3603");
            cri("stop-container", Map.of("container_id", one, "timeout", 10));
            awaitState(one, "CONTAINER_EXITED");
            String left = execOk(two, "ps");
            assertThat(left).as("the stopped member's process, seen from the other").doesNotContain("sleep 3601")
                    .contains("sleep 3602");
        });
    }

    /**
     * kubectl port-forward's path (a Kubernetes conformance check): CRI PortForward answers a URL on
     * containerd's streaming server, and a client speaking the port-forward protocol there reaches a server
     * of the pod that listens on 127.0.0.1 alone, as under runc: containerd dials 127.0.0.1:PORT in the pod's
     * network namespace on the host, and Hull carries that connection into the VM. The request's path is
     * what the server answers with, so one exchange shows the bytes going both ways.
     */
    @Test
    @Order(6)
    void portForwardReachesAServerListeningOnThePodsLoopback() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/iptables")),
                "Hull's port forwarding needs Debian's iptables (scripts/install-deps.sh installs it)");
        inPod("forwarded", "7d0c7f2a-0000-4000-8000-000000000004", (pod, ip) -> {
            String server = startContainer(pod, "server", "sh", "-c",
                    "mkdir -p /www && echo forwarded-from-the-pod > /www/pf.txt"
                            + " && exec httpd -f -p 127.0.0.1:8080 -h /www");
            awaitState(server, "CONTAINER_RUNNING");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (execSync(server, "timeout", "5", "wget", "-qO-", "http://127.0.0.1:8080/pf.txt")
                    .path("exit_code").asInt() != 0 && System.nanoTime() < end) {
                Thread.sleep(300);
            }
            String url = cri("port-forward", Map.of("pod_sandbox_id", pod.id(), "port", List.of(8080)))
                    .path("url").asText();
            assertThat(url).as("PortForward's URL").startsWith("http://");
            Out r = Commands.run(dir, List.of(PYTHON, TestAssets.projectDir().resolve("tests/cri/portforward.py")
                    .toString(), url, "8080", "GET /pf.txt HTTP/1.0\r\n\r\n", "--timeout", "30"));
            assertThat(r.code()).as("the port-forward client: " + r + hullErrors()).isZero();
            JsonNode got = JSON.readTree(r.stdout());
            assertThat(got.path("error").asText()).as("the error channel").isEmpty();
            assertThat(got.path("data").asText()).as("what the pod's server sent back through the forward")
                    .startsWith("HTTP/1.").contains(" 200 ").endsWith("\r\n\r\nforwarded-from-the-pod\n");
        });
    }
}
