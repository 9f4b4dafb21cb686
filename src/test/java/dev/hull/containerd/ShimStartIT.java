package dev.hull.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.sys.Host;
import dev.hull.testing.TestAssets;
import java.io.File;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * bin/containerd-shim-hull-v2's {@code start}, as containerd runs it (in the bundle, with its flags): the
 * script starts the pod's shim itself for a config.json written as containerd writes it (one line), the JVM's
 * ShimStart does for any other (here: the same, pretty-printed); either way the address printed and written to
 * the bundle is a socket that listens, served by a shim JVM in network, ipc and uts namespaces of its own.
 * No VM: the shim only listens until it is killed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShimStartIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @AfterEach
    void killShims() {
        for (ProcessHandle p : shims()) {
            p.destroyForcibly();
            p.onExit().join();
        }
    }

    private List<ProcessHandle> shims() {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(c -> c.contains("ShimMain")
                && c.contains(dir.toString())).orElse(false)).toList();
    }

    private Path bundle(boolean compact, String... namespaces) throws Exception {
        ObjectNode config = JSON.createObjectNode().put("ociVersion", "1.1.0");
        config.putObject("process").put("cwd", "/").putArray("args").add("true");
        config.putObject("root").put("path", "rootfs");
        var list = config.putObject("linux").putArray("namespaces");
        for (String type : namespaces) {
            list.addObject().put("type", type);
        }
        // As containerd leaves it for start: config.json and an empty rootfs, mounted at Create.
        Path bundle = Files.createDirectories(dir.resolve("bundle/rootfs")).getParent();
        Files.writeString(bundle.resolve("config.json"), compact ? JSON.writeValueAsString(config)
                : JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        return bundle;
    }

    private record Result(int code, String out, String err) {
    }

    private Result start(Path bundle) throws Exception {
        Path err = dir.resolve("start.err");
        Path script = TestAssets.projectDir().resolve("bin/containerd-shim-hull-v2");
        ProcessBuilder pb = new ProcessBuilder(script.toString(), "-namespace", "default", "-address",
                dir.resolve("containerd.sock").toString(), "-publish-binary",
                "/bin/true", "-id", "c1", "start").directory(bundle.toFile())
                .redirectInput(new File("/dev/null")).redirectError(err.toFile());
        pb.environment().put("HULL_V2_ROOT", dir.resolve("root").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out, Files.readString(err));
    }

    @ParameterizedTest(name = "config.json on one line: {0}")
    @ValueSource(booleans = {true, false})
    void startPrintsTheAddressOfAListeningShimInNamespacesOfItsOwn(boolean compact) throws Exception {
        assumeTrue(Host.isRoot(), "new namespaces need root");
        Path bundle = bundle(compact, "pid", "ipc", "uts", "mount", "network");
        Result r = start(bundle);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("unix://" + dir.resolve("root/s")).endsWith(".sock");
        assertThat(Files.readString(bundle.resolve("address"))).isEqualTo(r.out());
        Path socket = Path.of(r.out().substring("unix://".length()));
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            assertThat(ch.isConnected()).isTrue();
        }
        assertThat(shims()).singleElement().satisfies(shim -> {
            for (String ns : List.of("net", "ipc", "uts")) {
                assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(shim.pid()), "ns", ns)))
                        .as(ns).isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns", ns)));
            }
        });
    }

    /** The host's network asked for (no network namespace): refused by the JVM, with nothing started. */
    @Test
    void theHostsNetworkIsRefusedWithNothingStarted() throws Exception {
        Result r = start(bundle(true, "pid", "ipc", "uts", "mount"));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("linux.namespaces has no network namespace");
        assertThat(shims()).isEmpty();
        Path sockets = dir.resolve("root/s");
        assertThat(!Files.isDirectory(sockets) || Files.list(sockets).findAny().isEmpty()).isTrue();
    }
}
