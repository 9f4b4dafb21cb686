package dev.hull.containerd;

import dev.hull.containerd.api.task.v2.DeleteResponse;
import dev.hull.core.Containers;
import dev.hull.state.ContainerId;
import dev.hull.sys.ExitCodes;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * {@code delete}: containerd's clean-up after a shim that is gone (it died, or its start failed). What the
 * container left is ended and removed, its root unmounted; the answer is a DeleteResponse on stdout, the
 * container killed (137), as runc's shim answers.
 */
final class ShimDelete {
    private ShimDelete() {
    }

    static int run(ShimFlags flags, ShimPlaces places, PrintStream out) throws Exception {
        String id = ContainerId.validate(flags.id());
        Path bundle = flags.bundle() != null ? flags.bundle() : Path.of("").toAbsolutePath();
        var store = places.store(flags.namespace());
        if (store.exists(id)) {
            // The shim is gone: its qemu, virtiofsd and anchor are ended by what the state recorded.
            try {
                Containers.delete(store, id, true);
            } catch (IOException | RuntimeException e) {
                Containers.removeUnreadable(store, id);
            }
        }
        RootfsMounts.unmount(bundle.resolve("rootfs"));
        // A lone container's shim is its pod's: gone, its socket goes too (never a live one's: a member's
        // delete names its own id, and a pod's shim that still listens is left alone).
        Path socket = places.socket(flags.address(), flags.namespace(), id);
        if (!ShimStart.listening(socket)) {
            Files.deleteIfExists(socket);
        }
        out.write(DeleteResponse.newBuilder().setExitStatus(ExitCodes.KILLED)
                .setExitedAt(Events.timestamp(Instant.now())).build().toByteArray());
        return 0;
    }
}
