package dev.hull.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.oci.SpecRules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** OCI bundles for tests: a config.json running {@code args} as privileged root on the shared busybox root. */
public final class Bundles {
    public static final ObjectMapper JSON = new ObjectMapper();

    /** docker's default capabilities: what most containers run with (no CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYSLOG). */
    public static final List<String> DOCKER_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
            "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    private Bundles() {
    }

    /** The process's bounding, effective and permitted sets become {@code caps}. */
    public static ObjectNode withCapabilities(ObjectNode config, List<String> caps) {
        ObjectNode sets = ((ObjectNode) config.get("process")).putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            caps.forEach(sets.putArray(set)::add);
        }
        return config;
    }

    public static ObjectNode config(String... args) throws IOException, InterruptedException {
        ObjectNode c = JSON.createObjectNode();
        c.put("ociVersion", "1.2.0");
        ObjectNode process = c.putObject("process");
        process.put("terminal", false);
        process.putObject("user").put("uid", 0).put("gid", 0);
        var a = process.putArray("args");
        List.of(args).forEach(a::add);
        process.putArray("env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
                .add("TERM=xterm");
        process.put("cwd", "/");
        // Every capability, as root had under Hull before a left-out set meant none (runc's rule): the tests
        // that do not look at confinement run privileged; those that do put their own object here.
        ObjectNode caps = process.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            var names = caps.putArray(set);
            SpecRules.CAPABILITIES.stream().sorted().forEach(names::add);
        }
        c.putObject("root").put("path", TestAssets.busyboxRootfs().toString()).put("readonly", false);
        c.put("hostname", "hull-test");
        return c;
    }

    /**
     * Writes config.json into {@code dir}. A root that is the shared busybox root becomes a copy of its own
     * in {@code dir}: what a container writes reaches its root on the host, as with runc, and one test's
     * files must not show up in another's. The copy is of links (cp -al: ~30 ms), so a test must not
     * change an existing file in place.
     */
    public static Path write(Path dir, ObjectNode config) throws IOException {
        Files.createDirectories(dir);
        ObjectNode root = (ObjectNode) config.get("root");
        try {
            if (root != null && root.has("path")
                    && Path.of(root.get("path").asText()).equals(TestAssets.busyboxRootfs())) {
                Path copy = dir.resolve("rootfs");
                if (!Files.exists(copy)) {
                    Process cp = new ProcessBuilder("cp", "-al", TestAssets.busyboxRootfs().toString(), copy.toString())
                            .inheritIO().start();
                    if (cp.waitFor() != 0) {
                        throw new IOException("cp -al of the busybox root failed");
                    }
                }
                root.put("path", copy.toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        Files.writeString(dir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        return dir;
    }

    public static Path of(Path dir, String... args) throws IOException, InterruptedException {
        return write(dir, config(args));
    }
}
