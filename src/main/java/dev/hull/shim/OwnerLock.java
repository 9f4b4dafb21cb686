package dev.hull.shim;

import dev.hull.time.Deadline;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * A lock the VM owner holds on {@code owner.lock} in its run folder for as long as it lives: the kernel lets go
 * of it when the process ends, however it ends. The container's pid is its anchor, which the owner tells of
 * the end before it exits; a delete that follows at once waits on this lock, so that it neither races the
 * owner's last steps nor kills it halfway through taking the VM down.
 */
public final class OwnerLock {
    static final String FILE = "owner.lock";
    private static final Duration POLL = Duration.ofMillis(10);

    private OwnerLock() {
    }

    /** Taken by the owner at its start and never let go: the channel stays open until the process ends. */
    static FileChannel hold(Path runDir) throws IOException {
        FileChannel ch = FileChannel.open(runDir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (ch.tryLock() == null) {
            ch.close();
            throw new IOException(runDir.resolve(FILE) + " is held by another VM owner");
        }
        return ch;
    }

    /**
     * Waits up to {@code max} until no process holds the owner's lock of {@code runDir} (none there: no owner
     * of its own, as a pod member has); false when one still does.
     */
    public static boolean awaitGone(Path runDir, Duration max) {
        Path file = runDir.resolve(FILE);
        if (!Files.exists(file)) {
            return true;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            return Deadline.within(max, POLL, () -> free(ch));
        } catch (IOException e) {
            return true;
        }
    }

    private static boolean free(FileChannel ch) throws IOException {
        try {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                return false;
            }
            lock.release();
            return true;
        } catch (OverlappingFileLockException e) {
            // This process is the owner (an attached run): it is not going away before it returns.
            return true;
        }
    }
}
