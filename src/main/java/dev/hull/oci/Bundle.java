package dev.hull.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.json.JsonValues;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** An OCI bundle: its folder, its parsed config.json and its root filesystem, checked before use. */
public record Bundle(Path dir, Spec spec, Path rootfs) {
    /**
     * docker's config.json with its seccomp profile is ~30 KiB; a far larger one would only exhaust the
     * small heaps of the CLI and the shim (a 10 MB env ended the shim with an OutOfMemoryError).
     */
    static final long MAX_CONFIG = 4L << 20;

    public static Bundle load(Path dir) throws BundleException {
        Path bundle = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(bundle)) {
            throw new BundleException("bundle " + bundle + " is not a directory");
        }
        Path config = bundle.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            throw new BundleException(config + " does not exist");
        }
        try {
            if (Files.size(config) > MAX_CONFIG) {
                throw new BundleException(config + " is " + Files.size(config) + " bytes; Hull reads at most "
                        + MAX_CONFIG);
            }
        } catch (IOException e) {
            throw new BundleException("cannot read " + config + ": " + e.getMessage(), e);
        }
        JsonNode tree;
        try {
            // Not JSON.readTree: a fresh JVM's first ObjectMapper costs ~20 ms, and the create CLI, the
            // shim and exec each read config.json in one.
            tree = JsonValues.tree(Files.readAllBytes(config));
        } catch (JsonProcessingException e) {
            throw new BundleException(config + " is not a valid OCI config: " + e.getOriginalMessage()
                    + location(e));
        } catch (IOException e) {
            throw new BundleException("cannot read " + config + ": " + e.getMessage(), e);
        }
        if (tree == null || tree.isNull()) {
            throw new BundleException(config + " is empty");
        }
        Spec spec;
        try {
            spec = SpecJson.spec(tree);
        } catch (SpecJson.TypeException e) {
            throw new BundleException(config + " is not a valid OCI config: " + e.getMessage());
        }
        if (spec.process() == null) {
            throw new BundleException(config + " has no \"process\" object");
        }
        if (spec.process().args().isEmpty()) {
            throw new BundleException(config + ": process.args is empty");
        }
        var wrong = SpecRules.check(spec);
        if (wrong.isPresent()) {
            throw new BundleException(config + ": " + wrong.get());
        }
        if (spec.root() == null || spec.root().path() == null || spec.root().path().isBlank()) {
            throw new BundleException(config + " has no \"root\" object with a \"path\"");
        }
        Path rootfs = bundle.resolve(spec.root().path()).normalize();
        if (!Files.isDirectory(rootfs)) {
            throw new BundleException("root filesystem " + rootfs + " (root.path in " + config + ") "
                    + (Files.exists(rootfs, LinkOption.NOFOLLOW_LINKS) ? "is not a directory"
                            : "does not exist"));
        }
        return new Bundle(bundle, spec, rootfs);
    }

    private static String location(JsonProcessingException e) {
        var loc = e.getLocation();
        return loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }
}
