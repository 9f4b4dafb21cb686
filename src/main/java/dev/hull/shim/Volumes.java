package dev.hull.shim;

import dev.hull.oci.Mount;
import dev.hull.vm.Share;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns config.json's mounts into what the guest can do. Kernel file systems (proc, tmpfs, devpts,
 * mqueue, sysfs, cgroup) are made inside the guest as they are. A bind mount of a host path needs the
 * host folder inside the VM: each folder becomes a 9p share (a single file's folder is shared and the
 * file bound from it), mounted by the agent under {@value #GUEST_DIR}; the mount's source is rewritten
 * to that guest path. A share is read-only at qemu's end when every mount using it is read-only, so
 * even root in the guest cannot write through it.
 *
 * @param mounts what the agent gets: guest paths only
 * @param shares the host folders qemu exports
 */
public record Volumes(List<Mount> mounts, List<Share> shares) {
    public static final String GUEST_DIR = "/run/hull/vol";
    /** microvm has 8 virtio-mmio transports; the agent's port and the root take two, NICs one each. */
    public static final int MAX_SHARES = 6;

    public static Volumes plan(List<Mount> requested) {
        return plan(requested, 0);
    }

    /** With {@code nics} transports taken by network interfaces. */
    public static Volumes plan(List<Mount> requested, int nics) {
        Map<Path, String> tags = new LinkedHashMap<>();
        Map<Path, Boolean> readonly = new LinkedHashMap<>();
        List<Mount> out = new ArrayList<>();
        for (Mount m : requested) {
            if (!isBind(m) || m.source() == null) {
                out.add(m);
                continue;
            }
            Path source = Path.of(m.source()).toAbsolutePath().normalize();
            boolean dir = Files.isDirectory(source);
            Path shared = dir ? source : source.getParent();
            String tag = tags.computeIfAbsent(shared, p -> "v" + tags.size());
            boolean ro = m.options() != null && m.options().contains("ro");
            readonly.merge(shared, ro, Boolean::logicalAnd);
            String guest = GUEST_DIR + "/" + tag + (dir ? "" : "/" + source.getFileName());
            out.add(new Mount(m.destination(), "bind", guest, m.options()));
        }
        if (tags.size() + nics > MAX_SHARES) {
            throw new IllegalArgumentException("config.json binds " + tags.size() + " host folders ("
                    + String.join(", ", tags.keySet().stream().map(Path::toString).toList()) + ")"
                    + (nics > 0 ? " and the network namespace has " + nics + " interface(s)" : "")
                    + "; a Hull VM can share at most " + MAX_SHARES + (nics > 0 ? " (folders and interfaces together)" : ""));
        }
        List<Share> shares = new ArrayList<>();
        tags.forEach((path, tag) -> shares.add(new Share(tag, path, readonly.get(path))));
        return new Volumes(List.copyOf(out), List.copyOf(shares));
    }

    private static boolean isBind(Mount m) {
        return "bind".equals(m.type()) || (m.options() != null
                && (m.options().contains("bind") || m.options().contains("rbind")));
    }
}
