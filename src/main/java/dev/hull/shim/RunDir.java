package dev.hull.shim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where a container's sockets (shim, agent, QMP) and VM logs live. Unix socket paths are limited to 107
 * bytes, and managers use deep state roots (containerd's are over 100 characters), so a state folder
 * that is too deep gets a short folder named by its hash instead.
 */
public final class RunDir {
    private static final int MAX_SOCKET_PATH = 100;
    private static final String LONGEST_SOCKET = "/shim.sock";

    private RunDir() {
    }

    public static Path forStateDir(Path stateDir, boolean root) throws IOException {
        Path dir = stateDir;
        if ((stateDir + LONGEST_SOCKET).length() > MAX_SOCKET_PATH) {
            Path base = root ? Path.of("/run/hull") : Path.of(System.getProperty("java.io.tmpdir"),
                    "hull-" + System.getProperty("user.name"));
            dir = base.resolve(hash(stateDir.toString()));
            Files.createDirectories(base);
            if (!Files.isDirectory(dir)) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
        }
        return dir;
    }

    private static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8))).substring(0, 20);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
