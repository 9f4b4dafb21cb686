package dev.hull.containerd;

import dev.hull.core.Teardown;
import dev.hull.logging.Log;
import dev.hull.ttrpc.TtrpcServer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The long-lived shim of one pod: containerd's task service on its socket until containerd shuts it down
 * with nothing left to serve. Its log is a file of its own (ShimPlaces), JSON lines as the CLI's.
 */
final class ShimServe {
    /** Time for the answer to Shutdown to leave before the process ends. */
    private static final long LINGER_MS = 50;

    private ShimServe() {
    }

    static int run(ShimFlags flags, ShimPlaces places) throws Exception {
        Path socket = flags.socket();
        // Bound first: `start` returns once a connection is taken (the kernel's backlog holds containerd's
        // until the service is ready), so the rest of this set-up overlaps containerd's next steps. Bound
        // under another name and renamed: the script's `start` waits for the socket's name alone, which
        // then names a socket that listens.
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        Path bound = socket.resolveSibling(socket.getFileName() + ".new");
        Files.deleteIfExists(bound);
        listener.bind(UnixDomainSocketAddress.of(bound));
        Files.move(bound, socket, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Path log = places.log(flags.namespace(), socket.getFileName().toString());
        Log.configure(log, Log.Format.JSON, flags.debug(), List.of());
        var store = places.store(flags.namespace());
        Files.createDirectories(store.root());
        String ttrpc = System.getenv("TTRPC_ADDRESS");
        Events events = new Events(ttrpc == null || ttrpc.isBlank() ? null
                : Path.of(ttrpc.replaceFirst("^unix://", "")), flags.namespace());
        CountDownLatch down = new CountDownLatch(1);
        TaskService service = new TaskService(new Tasks(store, events, Teardown.live()), events, down::countDown);
        try (TtrpcServer server = new TtrpcServer()) {
            service.register(server);
            server.serve(listener);
            Log.info("serving pod " + flags.id() + " of namespace " + flags.namespace() + " on " + socket);
            down.await();
            Thread.sleep(LINGER_MS);
        } finally {
            listener.close();
            Files.deleteIfExists(socket);
            events.close();
        }
        Log.info("shim of " + flags.id() + " shut down");
        if (!flags.debug()) {
            // A shim that ended as asked leaves nothing: what went wrong reached containerd as call errors.
            Files.deleteIfExists(log);
            Files.deleteIfExists(log.resolveSibling(log.getFileName() + ".stderr"));
        }
        return 0;
    }
}
