package dev.hull.containerd;

import dev.hull.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where the v2 shim keeps things: {@code HULL_V2_ROOT} (default /run/hull-v2; containerd passes its own
 * environment to shims, so a test's containerd can point its shims elsewhere), root's alone. Under it
 * {@code s/} holds one socket per pod (a hash of containerd's address, the namespace and the pod's id: two
 * containerds or namespaces never share a shim, and the path stays far below the 108 bytes a unix socket's
 * path may have), and {@code ns/NAMESPACE/} is the state root of that namespace's containers, laid out as
 * the CLI's (so {@code hull --root /run/hull-v2/ns/k8s.io list} shows them).
 */
record ShimPlaces(Path root) {
    static final String ROOT_ENV = "HULL_V2_ROOT";
    static final Path DEFAULT_ROOT = Path.of("/run/hull-v2");

    static ShimPlaces fromEnvironment() {
        String env = System.getenv(ROOT_ENV);
        return new ShimPlaces(env == null || env.isBlank() ? DEFAULT_ROOT : Path.of(env).toAbsolutePath());
    }

    Path sockets() {
        return root.resolve("s");
    }

    /** The socket of the shim that serves {@code group} (a pod's sandbox id, or a lone container's id). */
    Path socket(String address, String namespace, String group) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((address + "\0" + namespace + "\0" + group).getBytes(StandardCharsets.UTF_8));
            return sockets().resolve(HexFormat.of().formatHex(digest, 0, 16) + ".sock");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    StateStore store(String namespace) {
        return new StateStore(root.resolve("ns").resolve(namespace));
    }

    /** The log of the shim serving the socket {@code socketName} (see ShimServe for when it is removed). */
    Path log(String namespace, String socketName) {
        return root.resolve("log").resolve(namespace + "-" + socketName.replace(".sock", ".log"));
    }
}
