package dev.hull.shim;

import dev.hull.oci.Mount;
import dev.hull.sys.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * podman and docker bind a tmpfs of their own (sized by {@code --shm-size}) on {@code /dev/shm}. Carried
 * over a share it is a 9p or virtio-fs folder, in which a shared {@code mmap} of a file fails (EINVAL):
 * POSIX shared memory (Python's multiprocessing, PostgreSQL) breaks. In the guest it becomes a tmpfs of
 * the host one's size and mode instead; what is in it lives in the VM's memory, not on the host. A bind of
 * any other folder on /dev/shm stays a share.
 */
final class DevShm {
    static final String DESTINATION = "/dev/shm";
    /** A bind's own words, which a tmpfs mount has no use for. */
    private static final Set<String> BIND_ONLY = Set.of("bind", "rbind", "private", "rprivate", "shared", "rshared",
            "slave", "rslave", "unbindable", "runbindable");

    private DevShm() {
    }

    /** The guest tmpfs for {@code m}, when it binds a host tmpfs on /dev/shm. */
    static Optional<Mount> asGuestTmpfs(Mount m, Path source) {
        if (!DESTINATION.equals(Path.of(m.destination()).normalize().toString())) {
            return Optional.empty();
        }
        try {
            // The root of a tmpfs mount, as the managers make it: a folder of some tmpfs a user binds stays a
            // folder shared with the host.
            if (!Files.isDirectory(source) || !"tmpfs".equals(Files.getFileStore(source).type())
                    || !Mounts.under(source).contains(source.toRealPath())) {
                return Optional.empty();
            }
            int mode = (Integer) Files.getAttribute(source, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            long size = Files.getFileStore(source).getTotalSpace();
            List<String> options = new ArrayList<>();
            if (m.options() != null) {
                m.options().stream().filter(o -> !BIND_ONLY.contains(o)).forEach(options::add);
            }
            options.add("mode=" + Integer.toOctalString(mode & 07777));
            options.add("size=" + size);
            return Optional.of(new Mount(m.destination(), "tmpfs", "shm", List.copyOf(options)));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }
}
