package dev.hull.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Makes an OCI image archive (one layer) from a root folder, offline, for `ctr images import`:
 * oci-layout, index.json, a config and a manifest blob, and the layer tarball.
 */
final class OciArchive {
    private OciArchive() {
    }

    /** An image whose config runs {@code sh}, as a busybox root wants. */
    static Path of(Path rootfs, Path work, String name) throws Exception {
        return of(rootfs, work, name, List.of(), List.of("sh"));
    }

    /** An image whose config has this entrypoint (none when empty) and cmd. */
    static Path of(Path rootfs, Path work, String name, List<String> entrypoint, List<String> cmd) throws Exception {
        Path blobs = Files.createDirectories(work.resolve("layout/blobs/sha256"));
        Path layer = work.resolve("layer.tar");
        Process tar = new ProcessBuilder("tar", "-C", rootfs.toString(), "-cf", layer.toString(), ".").inheritIO()
                .start();
        if (tar.waitFor() != 0) {
            throw new IllegalStateException("tar failed");
        }
        byte[] layerBytes = Files.readAllBytes(layer);
        String layerDigest = blob(blobs, layerBytes);
        String config = "{\"architecture\":\"amd64\",\"os\":\"linux\","
                + "\"config\":{\"Env\":[\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\"],"
                + (entrypoint.isEmpty() ? "" : "\"Entrypoint\":" + jsonArray(entrypoint) + ",")
                + "\"Cmd\":" + jsonArray(cmd) + "},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" + layerDigest + "\"]}}";
        byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
        String configDigest = blob(blobs, configBytes);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:"
                + configDigest + "\",\"size\":" + configBytes.length + "},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\"sha256:" + layerDigest + "\",\"size\":" + layerBytes.length + "}]}";
        byte[] manifestBytes = manifest.getBytes(StandardCharsets.UTF_8);
        String manifestDigest = blob(blobs, manifestBytes);
        Files.writeString(work.resolve("layout/oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(work.resolve("layout/index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + manifestDigest
                + "\",\"size\":" + manifestBytes.length + ",\"annotations\":{\"io.containerd.image.name\":\"" + name
                + "\",\"org.opencontainers.image.ref.name\":\"e2e\"}}]}");
        Path archive = work.resolve("image.tar");
        Process pack = new ProcessBuilder("tar", "-C", work.resolve("layout").toString(), "-cf", archive.toString(),
                ".").inheritIO().start();
        if (pack.waitFor() != 0) {
            throw new IllegalStateException("tar failed");
        }
        return archive;
    }

    /** Plain words (paths, program names) as a JSON array: nothing in them needs escaping. */
    private static String jsonArray(List<String> words) {
        for (String w : words) {
            if (!w.matches("[A-Za-z0-9_./=:-]*")) {
                throw new IllegalArgumentException("not a plain word: " + w);
            }
        }
        return words.stream().map(w -> "\"" + w + "\"").collect(Collectors.joining(",", "[", "]"));
    }

    private static String blob(Path blobs, byte[] data) throws Exception {
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        Files.write(blobs.resolve(digest), data);
        return digest;
    }
}
