package dev.hull.shim;

import dev.hull.state.StateStore;
import dev.hull.sys.Host;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where a container's sockets (shim, agent, QMP) and VM logs live. Unix socket paths are limited to 107
 * bytes, and managers use deep state roots (containerd's are over 100 characters), so a state folder
 * that is too deep gets a short folder named by its hash instead.
 */
public final class RunDir {
    private static final int MAX_SOCKET_PATH = 100;
    /** The longest name of a socket in a run folder: an exec relay's ({@link #relaySocketName}). */
    private static final String LONGEST_SOCKET = "/exec-00000000.sock";
    private static final FileAttribute<?> PRIVATE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private RunDir() {
    }

    /** The run folder of a state folder, made if need be (mode 0700, in a base folder only we own). */
    public static Path forStateDir(Path stateDir, boolean root) throws IOException {
        Path dir = path(stateDir, root);
        if (!dir.equals(stateDir)) {
            Path base = dir.getParent();
            if (!Files.isDirectory(base, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(base.getParent());
                try {
                    Files.createDirectory(base, PRIVATE);
                } catch (FileAlreadyExistsException e) {
                    // Made by a Hull running beside this one: checked below like any other.
                }
            }
            mustBeOurs(base);
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(dir, PRIVATE);
            }
            mustBeOurs(dir);
        }
        return dir;
    }

    /** A fresh name for an exec relay's notify socket, of a fixed length. */
    public static String relaySocketName() {
        return "exec-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt())
                + ".sock";
    }

    /** Where the run folder of a state folder is (nothing is made): the state folder itself if short enough. */
    public static Path path(Path stateDir, boolean root) {
        if ((stateDir + LONGEST_SOCKET).length() <= MAX_SOCKET_PATH) {
            return stateDir;
        }
        return base(root && !Host.inUserNamespace(), System.getenv("XDG_RUNTIME_DIR"))
                .resolve(hash(stateDir.toString()));
    }

    /**
     * The host's root: /run/hull. Anyone else, root of a user namespace too (rootless podman runs the runtime
     * as uid 0 in one, where /run/hull is the real root's), the user's own runtime folder, as runc's rootless
     * rule; without one, a folder of theirs in the temporary folder.
     */
    static Path base(boolean hostRoot, String xdgRuntimeDir) {
        if (hostRoot) {
            return Path.of("/run/hull");
        }
        Path runtimeDir = StateStore.usableRuntimeDir(xdgRuntimeDir);
        if (runtimeDir != null) {
            return runtimeDir.resolve("hull-run");
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "hull-" + System.getProperty("user.name"));
    }

    /**
     * A folder another user made (or could write to) in a shared /tmp could hand them our sockets: it must
     * be a real folder, ours, that group and others cannot write to.
     */
    private static void mustBeOurs(Path dir) throws IOException {
        var attrs = Files.readAttributes(dir, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        String me = System.getProperty("user.name");
        var open = EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
        open.retainAll(attrs.permissions());
        if (!attrs.isDirectory() || !attrs.owner().getName().equals(me) || !open.isEmpty()) {
            throw new IOException("refusing to use " + dir + " for Hull's sockets: it is "
                    + (attrs.isDirectory() ? "owned by " + attrs.owner().getName() + " with mode "
                            + PosixFilePermissions.toString(attrs.permissions()) : "not a folder")
                    + " (expected a folder of " + me + "'s that only " + me + " can write to)");
        }
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
