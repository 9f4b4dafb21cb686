package dev.hull.shim;

import dev.hull.logging.Log;
import dev.hull.state.StateStore;
import dev.hull.sys.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one folder a VM shares with its guest as "rootfs" (as root): {@code <run>/pod}, a mount of its own in a
 * peer group of its own, holding each container's root as a bind of its bundle's rootfs at
 * {@code root/<id>} (read-only when config.json says so) and each member's bind-mounted host paths at
 * {@code vol/<id>/<n>}. microvm has no hot-plug, so this is how a member's root reaches a VM that is
 * already running: a bind made under the folder later reaches virtiofsd's and qemu's mount namespaces
 * (slaves of this one), and the guest sees it in the share. Not root: no binds, the rootfs itself is
 * shared and the VM has one container.
 */
public final class PodShare {
    /** Where the agent mounts the share in the guest (boot.c). */
    static final String GUEST_DIR = "/run/hull/share";

    private final Path dir;

    private PodShare(Path dir) {
        this.dir = dir;
    }

    public static PodShare create(Path runDir) throws IOException {
        Path dir = runDir.resolve("pod");
        Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(dir.resolve("vol"));
        Mounts.shareable(dir);
        return new PodShare(dir);
    }

    /** The folder qemu or virtiofsd shares. */
    public Path dir() {
        return dir;
    }

    /** Where the agent finds a container's root, relative to the share. */
    static String rootOf(String id) {
        return "root/" + id;
    }

    /** Binds a container's root into the share; returns where the agent finds it, relative to the share. */
    String addRoot(String id, Path rootfs, boolean readonly) throws IOException {
        Path target = dir.resolve(rootOf(id));
        Files.createDirectory(target);
        try {
            Mounts.bind(rootfs.toRealPath(), target, readonly);
        } catch (IOException e) {
            Files.deleteIfExists(target);
            throw e;
        }
        return rootOf(id);
    }

    /**
     * Binds a member's host path (a folder or a single file) into the share; returns its path in the guest.
     */
    String addVolume(String id, int n, Path source, boolean readonly) throws IOException {
        Path real = source.toRealPath();
        Path folder = Files.createDirectories(dir.resolve("vol").resolve(id));
        Path target = folder.resolve(Integer.toString(n));
        if (Files.isDirectory(real)) {
            Files.createDirectory(target);
        } else {
            Files.createFile(target);
        }
        Mounts.bind(real, target, readonly);
        return GUEST_DIR + "/vol/" + id + "/" + n;
    }

    /** Takes a container's root and volumes out of the share (the guest is done with them). */
    void remove(String id) {
        for (Path p : new Path[] {dir.resolve("vol").resolve(id), dir.resolve("root").resolve(id)}) {
            try {
                // Detaches the binds first, and warns of any that would not go.
                StateStore.deleteTree(p);
            } catch (IOException e) {
                Log.warn("cannot take " + id + " out of the pod's share: " + e.getMessage());
            }
        }
    }

    /** Everything out of the share, and the share's own mount (the VM is gone). */
    void close() {
        try {
            var left = Mounts.detachUnder(dir);
            if (!left.isEmpty()) {
                Log.warn("still mounted in the pod's share: " + left);
            }
        } catch (IOException e) {
            Log.warn("cannot unmount the pod's share " + dir + ": " + e.getMessage());
        }
    }
}
