package dev.hull.vm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.qmp.QmpClient;
import dev.hull.time.Deadline;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A VM's device state to and from a file, through qemu's migration over a unix socket that Hull serves or
 * dials: qemu's sandbox (spawn=deny) rules out {@code exec:}, and qemu 7.2 has no {@code file:}. With
 * {@code x-ignore-shared} the RAM, which is in a shared file, is left out: the state is ~90 KB.
 */
final class Migration {
    private static final Duration POLL = Duration.ofMillis(2);
    /** More than a template's state ever is; a guest cannot make it grow (it is qemu's, not the guest's). */
    private static final long MAX_STATE = 64L << 20;

    private Migration() {
    }

    /** Saves the stopped VM's state into {@code file} (made new); within {@code deadline}. */
    static void save(QmpClient qmp, Path socket, Path file, Duration deadline) throws IOException, TimeoutException {
        Deadline end = Deadline.after(deadline);
        Files.deleteIfExists(socket);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            qmp.execute("migrate-set-capabilities", ignoreShared());
            qmp.execute("migrate", QmpClient.arguments().put("uri", "unix:" + socket));
            within(end, "qemu did not save its state", () -> {
                try (SocketChannel in = server.accept()) {
                    ByteBuffer buf = ByteBuffer.allocate(1 << 16);
                    long total = 0;
                    while (in.read(buf) >= 0) {
                        buf.flip();
                        total += out.write(buf);
                        buf.clear();
                        if (total > MAX_STATE) {
                            throw new IOException("qemu's state passed " + MAX_STATE + " bytes");
                        }
                    }
                    return total;
                }
            }, server);
            String status = end.poll(POLL, () -> {
                String s = qmp.execute("query-migrate").path("status").asText();
                return s.equals("completed") || s.equals("failed") ? s : null;
            }).orElseThrow(() -> new TimeoutException("qemu did not finish saving its state within " + deadline));
            if (!status.equals("completed")) {
                throw new IOException("qemu failed to save its state: " + qmp.execute("query-migrate")
                        .path("error-desc").asText("(no reason given)"));
            }
            out.force(true);
        } finally {
            Files.deleteIfExists(socket);
        }
    }

    /** Loads {@code file} into a qemu started with {@code -incoming defer}; it is then paused. */
    static void load(QmpClient qmp, Path socket, Path file, Duration deadline) throws IOException, TimeoutException {
        Deadline end = Deadline.after(deadline);
        Files.deleteIfExists(socket);
        try {
            qmp.execute("migrate-set-capabilities", ignoreShared());
            qmp.execute("migrate-incoming", QmpClient.arguments().put("uri", "unix:" + socket));
            SocketChannel to = SocketChannel.open(StandardProtocolFamily.UNIX);
            try (to; FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
                within(end, "qemu did not take the template's state", () -> {
                    to.connect(UnixDomainSocketAddress.of(socket));
                    long size = in.size();
                    long done = 0;
                    while (done < size) {
                        done += in.transferTo(done, size - done, to);
                    }
                    return done;
                }, to);
            }
            String status = end.poll(POLL, () -> {
                String s = qmp.status();
                return s.equals("inmigrate") ? null : s;
            }).orElseThrow(() -> new TimeoutException("qemu did not restore the template within " + deadline));
            if (!status.equals("paused")) {
                throw new IOException("qemu restored the template into state " + status + ", not paused");
            }
        } finally {
            Files.deleteIfExists(socket);
        }
    }

    private static ObjectNode ignoreShared() {
        ObjectNode args = QmpClient.arguments();
        args.putArray("capabilities").addObject().put("capability", "x-ignore-shared").put("state", true);
        return args;
    }

    private interface Copy {
        long run() throws IOException;
    }

    /**
     * Runs {@code copy} on a thread of its own, so that a qemu that never connects or stalls meets the
     * deadline: then {@code stop} (closing what the copy blocks on) ends it, and this is a timeout.
     */
    private static long within(Deadline end, String what, Copy copy, AutoCloseable stop)
            throws IOException, TimeoutException {
        FutureTask<Long> task = new FutureTask<>(copy::run);
        Thread.ofVirtual().name("hull-migration").start(task);
        try {
            return task.get(end.left().toMillis() + 1, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            try {
                stop.close();
            } catch (Exception ignored) {
                // Closing only wakes the copy up; the timeout is what is reported.
            }
            task.cancel(true);
            throw new TimeoutException(what + " within " + end.total());
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(what + ": " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + what, e);
        }
    }
}
