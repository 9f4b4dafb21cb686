package dev.hull.containerd;

import dev.hull.containerd.api.types.Mount;
import dev.hull.logging.Log;
import dev.hull.sys.Mounts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The container's root as containerd's snapshotter hands it over (CreateTaskRequest.rootfs: an overlay of
 * the image's layers, a bind of a native snapshot, ...), mounted at the bundle's rootfs in the host's mount
 * namespace, as runc's shim does, before Hull shares it with the VM. mount(8) takes the options as
 * containerd writes them (flags and filesystem data together).
 */
final class RootfsMounts {
    private static final long MOUNT_DEADLINE_S = 30;

    private RootfsMounts() {
    }

    /** Mounts each in order; on failure what was mounted is taken back and the error says which failed. */
    static void mount(List<Mount> mounts, Path target) throws IOException {
        int done = 0;
        try {
            for (Mount m : mounts) {
                run(command(m, target));
                done++;
            }
        } catch (IOException e) {
            for (int i = 0; i < done; i++) {
                Mounts.detach(target);
            }
            throw e;
        }
    }

    static List<String> command(Mount m, Path target) {
        List<String> cmd = new ArrayList<>(List.of("mount"));
        boolean bind = m.getType().equals("bind") || m.getOptionsList().contains("bind")
                || m.getOptionsList().contains("rbind");
        if (!m.getType().isEmpty() && !bind) {
            cmd.addAll(List.of("-t", m.getType()));
        }
        if (m.getOptionsCount() > 0) {
            cmd.addAll(List.of("-o", String.join(",", m.getOptionsList())));
        }
        cmd.add(m.getSource());
        cmd.add(target.toString());
        return cmd;
    }

    /** Everything mounted at the rootfs (containerd removes the snapshot after). */
    static void unmount(Path target) {
        try {
            var left = Mounts.detachUnder(target);
            if (!left.isEmpty()) {
                Log.warn("still mounted after delete: " + left);
            }
        } catch (IOException e) {
            Log.warn("cannot unmount " + target + ": " + e.getMessage());
        }
    }

    private static void run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .start();
        try {
            byte[] said = p.getInputStream().readNBytes(4096);
            if (!p.waitFor(MOUNT_DEADLINE_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("mount did not end in " + MOUNT_DEADLINE_S + " s: " + String.join(" ", cmd));
            }
            if (p.exitValue() != 0) {
                throw new IOException("cannot mount the container's root (" + cmd.get(cmd.size() - 2) + " at "
                        + cmd.get(cmd.size() - 1) + "): " + new String(said, StandardCharsets.UTF_8).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted mounting the container's root", e);
        }
    }
}
