package dev.hull.shim;

import dev.hull.logging.Log;
import dev.hull.oci.Mount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A read-only root's mount points, made in the rootfs on the host before the root goes read-only (at the
 * host end too, so the guest cannot make them): runc makes them in the rootfs and remounts it read-only
 * last. Kubernetes' pause image holds only /pause, and its sandbox's root is read-only, yet /proc, /dev,
 * /sys and /etc/resolv.conf are mounted in it.
 */
final class MountPoints {
    /** What the agent mounts when config.json has no mounts (its default set). */
    private static final List<String> DEFAULTS = List.of("/proc", "/dev", "/sys");

    private MountPoints() {
    }

    /**
     * Makes each missing destination of {@code mounts} (a folder, or an empty file for a bind of a file).
     * A destination under an earlier mount lands in that mount, in the guest, and is left alone; so is one
     * whose path in the rootfs goes through a symbolic link (it resolves inside the container, which only
     * the guest can do).
     */
    static void prepare(Path rootfs, List<Mount> mounts) {
        List<String> done = new ArrayList<>();
        List<Mount> wanted = mounts.isEmpty()
                ? DEFAULTS.stream().map(d -> new Mount(d, "none", null, null)).toList() : mounts;
        for (Mount m : wanted) {
            String dest = m.destination();
            if (dest == null || !dest.startsWith("/") || dest.contains("/../") || dest.endsWith("/..")) {
                continue;
            }
            boolean covered = done.stream().anyMatch(d -> dest.startsWith(d.endsWith("/") ? d : d + "/"));
            done.add(dest);
            if (covered || dest.equals("/")) {
                continue;
            }
            boolean file = isFileBind(m);
            try {
                make(rootfs, dest, file);
            } catch (IOException e) {
                Log.debug("mount point " + dest + " in " + rootfs + ": " + e.getMessage());
            }
        }
    }

    private static boolean isFileBind(Mount m) {
        return Volumes.isBind(m) && m.source() != null && Files.isRegularFile(Path.of(m.source()));
    }

    /** Component by component, never through a link. */
    private static void make(Path rootfs, String dest, boolean file) throws IOException {
        Path at = rootfs;
        String[] parts = dest.substring(1).split("/");
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty() || parts[i].equals(".")) {
                continue;
            }
            at = at.resolve(parts[i]);
            if (Files.isSymbolicLink(at)) {
                return;
            }
            boolean last = i == parts.length - 1;
            if (Files.exists(at, LinkOption.NOFOLLOW_LINKS)) {
                if (!last && !Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                    return;
                }
                continue;
            }
            if (last && file) {
                Files.createFile(at);
            } else {
                Files.createDirectory(at);
            }
        }
    }
}
