package dev.hull.shim;

import dev.hull.error.BadInputException;
import dev.hull.oci.Mount;
import dev.hull.vm.Share;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns config.json's mounts into what the guest can do. Kernel file systems (proc, tmpfs, devpts,
 * mqueue, sysfs, cgroup) are made inside the guest as they are. A bind mount of a host path needs the
 * host folder inside the VM: each folder becomes a 9p share, mounted by the agent under
 * {@value #GUEST_DIR}; the mount's source is rewritten to that guest path. A share is read-only at qemu's
 * end when every mount using it is read-only, so even root in the guest cannot write through it.
 * Single files (a manager's resolv.conf, hosts, hostname) are not shared with their folder, which
 * holds more (docker's holds the container's config with its environment): with {@code staging}, each
 * is bound, in qemu's own mount namespace, over an empty file of a folder of Hull's, and that folder
 * is the one share they all come from ({@link #qemuPrefix}). Without (not root: no mount namespace),
 * the file's folder is shared.
 *
 * @param mounts what the agent gets: guest paths only
 * @param shares the host folders qemu exports
 * @param files single files bound over their placeholders in {@code staging}, host path to placeholder
 */
public record Volumes(List<Mount> mounts, List<Share> shares, Map<Path, Path> files) {
    public static final String GUEST_DIR = "/run/hull/vol";
    /** microvm has 8 virtio-mmio transports; the agent's port and the root take two, NICs one each. */
    public static final int MAX_SHARES = 6;
    /** The share of the staged single files. */
    static final String FILES_TAG = "vf";

    public Volumes {
        files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
    }

    public static Volumes plan(List<Mount> requested) throws BadInputException {
        return plan(requested, 0, null);
    }

    /** With {@code nics} transports taken by network interfaces; {@code staging} null: files' folders shared. */
    public static Volumes plan(List<Mount> requested, int nics, Path staging) throws BadInputException {
        Map<Path, String> tags = new LinkedHashMap<>();
        Map<Path, Boolean> readonly = new LinkedHashMap<>();
        Map<Path, Path> files = new LinkedHashMap<>();
        List<Mount> out = new ArrayList<>();
        for (Mount m : requested) {
            if (!isBind(m) || m.source() == null) {
                out.add(m);
                continue;
            }
            Path source = Path.of(m.source()).toAbsolutePath().normalize();
            Optional<Mount> shm = DevShm.asGuestTmpfs(m, source);
            if (shm.isPresent()) {
                out.add(shm.get());
                continue;
            }
            boolean dir = Files.isDirectory(source);
            boolean ro = readOnly(m);
            String guest;
            if (!dir && staging != null) {
                Path placeholder = files.computeIfAbsent(source,
                        f -> staging.resolve("f" + files.size() + "-" + f.getFileName()));
                tags.putIfAbsent(staging, FILES_TAG);
                readonly.merge(staging, ro, Boolean::logicalAnd);
                guest = GUEST_DIR + "/" + FILES_TAG + "/" + placeholder.getFileName();
            } else {
                Path shared = dir ? source : source.getParent();
                String tag = tags.computeIfAbsent(shared, p -> "v" + tags.size());
                readonly.merge(shared, ro, Boolean::logicalAnd);
                guest = GUEST_DIR + "/" + tag + (dir ? "" : "/" + source.getFileName());
            }
            out.add(new Mount(m.destination(), "bind", guest, m.options()));
        }
        if (tags.size() + nics > MAX_SHARES) {
            throw new BadInputException("config.json binds " + tags.size() + " host folders ("
                    + String.join(", ", tags.keySet().stream().map(Path::toString).toList()) + ")"
                    + (nics > 0 ? " and the network namespace has " + nics + " interface(s)" : "")
                    + "; a Hull VM can share at most " + MAX_SHARES
                    + (nics > 0 ? " (folders and interfaces together)" : ""));
        }
        List<Share> shares = new ArrayList<>();
        tags.forEach((path, tag) -> shares.add(new Share(tag, path, readonly.get(path))));
        return new Volumes(List.copyOf(out), List.copyOf(shares), files);
    }

    /**
     * A pod member's mounts: each bind's host path is bound into the pod's share (the VM is running and
     * has no hot-plug, so no share can be added) and its source rewritten to the guest path. A source that
     * is gone fails here, before anything of the member runs; the caller takes what was bound out again
     * ({@link PodShare#remove}).
     */
    static Volumes inPod(List<Mount> requested, String id, PodShare share) throws IOException {
        List<Mount> out = new ArrayList<>();
        int n = 0;
        for (Mount m : requested) {
            if (!isBind(m) || m.source() == null) {
                out.add(m);
                continue;
            }
            Path source = Path.of(m.source()).toAbsolutePath().normalize();
            if (!Files.exists(source)) {
                throw new IOException("mount " + m.destination() + ": its source " + source + " does not exist");
            }
            Optional<Mount> shm = DevShm.asGuestTmpfs(m, source);
            if (shm.isPresent()) {
                out.add(shm.get());
                continue;
            }
            boolean ro = readOnly(m);
            out.add(new Mount(m.destination(), "bind", share.addVolume(id, n++, source, ro), m.options()));
        }
        return new Volumes(List.copyOf(out), List.of(), Map.of());
    }

    /** Makes the staging folder's placeholders (empty files, mode 0600) before qemu starts. */
    public void stage() throws IOException {
        for (Path placeholder : files.values()) {
            Files.createDirectories(placeholder.getParent());
            if (!Files.exists(placeholder)) {
                Files.createFile(placeholder, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
            }
        }
    }

    /**
     * What qemu is started through, after {@code prefix}: a mount namespace of its own in which each staged
     * file is bound over its placeholder (the binds end with qemu; the host's namespace never sees them).
     */
    public List<String> qemuPrefix(List<String> prefix) {
        if (files.isEmpty()) {
            return prefix;
        }
        List<String> argv = new ArrayList<>(prefix);
        // slave: the pod share's binds made later (members' roots, PodShare) still reach qemu's 9p server.
        argv.addAll(List.of("unshare", "--mount", "--propagation", "slave", "--", "sh", "-c",
                "while [ \"$1\" != -- ]; do mount --bind -- \"$1\" \"$2\" || exit 1; shift 2; done; shift; exec \"$@\"",
                "hull-files"));
        files.forEach((source, placeholder) -> {
            argv.add(source.toString());
            argv.add(placeholder.toString());
        });
        argv.add("--");
        return argv;
    }

    /** ro, or runc's recursive rro: qemu's end of the share may refuse writes too. */
    static boolean readOnly(Mount m) {
        return m.options() != null && (m.options().contains("ro") || m.options().contains("rro"));
    }

    static boolean isBind(Mount m) {
        return "bind".equals(m.type()) || (m.options() != null
                && (m.options().contains("bind") || m.options().contains("rbind")));
    }
}
