package dev.hull.containerd;

import dev.hull.core.HullJvm;
import dev.hull.core.PodMembership;
import dev.hull.core.ShimNamespaces;
import dev.hull.error.BadInputException;
import dev.hull.error.InternalException;
import dev.hull.net.LiveNetns;
import dev.hull.oci.Bundle;
import dev.hull.oci.HostNamespaces;
import dev.hull.state.ContainerId;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code start}: prints the address of the shim that serves the container's pod. A pod's member (CRI's
 * sandbox-id annotation) gets its sandbox's shim; otherwise a new one is started, detached (setsid, no
 * stdio of containerd's), in the container's network, ipc and uts namespaces as the CLI's shim is, and this
 * process returns once it listens.
 */
final class ShimStart {
    private static final long LISTEN_DEADLINE_MS = 30_000;

    private ShimStart() {
    }

    static int run(ShimFlags flags, ShimPlaces places, PrintStream out) throws Exception {
        String id = ContainerId.validate(flags.id());
        Path bundleDir = flags.bundle() != null ? flags.bundle() : Path.of("").toAbsolutePath();
        Bundle bundle = Bundle.load(bundleDir);
        var spec = bundle.spec();
        var sandbox = PodMembership.annotatedSandbox(spec.annotations());
        String group = sandbox.orElse(id);
        Path socket = places.socket(flags.address(), flags.namespace(), group);
        if (!listening(socket)) {
            if (sandbox.isPresent() && !sandbox.get().equals(id)) {
                throw new BadInputException("container " + id + " belongs to pod " + sandbox.get()
                        + ", whose shim is not running");
            }
            launch(flags, places, bundle, socket);
        }
        String address = "unix://" + socket;
        // containerd reads it back when it reconnects to its shims after a restart.
        Files.writeString(bundle.dir().resolve("address"), address);
        out.print(address);
        return 0;
    }

    private static void launch(ShimFlags flags, ShimPlaces places, Bundle bundle, Path socket) throws Exception {
        var spec = bundle.spec();
        var hostShared = HostNamespaces.whyNot(spec.linux());
        if (hostShared.isPresent()) {
            throw new BadInputException(hostShared.get());
        }
        ShimNamespaces namespaces = ShimNamespaces.of(spec);
        namespaces.check();
        namespaces.checkOwned(new LiveNetns(), places.store(flags.namespace()));
        makePrivate(places.root());
        Files.createDirectories(places.sockets());
        Path log = places.log(flags.namespace(), socket.getFileName().toString());
        Files.createDirectories(log.getParent());
        Files.deleteIfExists(socket);
        List<String> cmd = new ArrayList<>(List.of("setsid"));
        cmd.addAll(namespaces.launchPrefix(true));
        cmd.addAll(HullJvm.shimJava(ShimMain.class));
        cmd.addAll(List.of("-namespace", flags.namespace(), "-address", flags.address(), "-publish-binary",
                flags.publishBinary(), "-id", flags.id(), "-socket", socket.toString()));
        if (flags.debug()) {
            cmd.add("-debug");
        }
        Path err = log.resolveSibling(log.getFileName() + ".stderr");
        Process shim = new ProcessBuilder(cmd).directory(bundle.dir().toFile())
                .redirectInput(new File("/dev/null")).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile()).start();
        long deadline = System.currentTimeMillis() + LISTEN_DEADLINE_MS;
        while (!listening(socket)) {
            if (!shim.isAlive()) {
                throw new InternalException("the shim ended at once (" + shim.exitValue() + "): "
                        + Files.readString(err).strip());
            }
            if (System.currentTimeMillis() > deadline) {
                shim.destroyForcibly();
                throw new InternalException("the shim did not listen on " + socket + " in "
                        + LISTEN_DEADLINE_MS / 1000 + " s");
            }
            Thread.sleep(5);
        }
    }

    /** Root's alone: the sockets serve every container of the pod, the logs name them. */
    private static void makePrivate(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            Files.createDirectories(root);
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        }
    }

    static boolean listening(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
