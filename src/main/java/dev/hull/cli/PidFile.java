package dev.hull.cli;

import dev.hull.error.BadInputException;
import dev.hull.error.HullException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The {@code --pid-file} contract of runc: the pid, no newline, written atomically. */
final class PidFile {
    private PidFile() {
    }

    /** Before anything is made: a pid file that could not be written would leave a container behind. */
    static void check(Path file) throws HullException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new BadInputException("--pid-file " + file + ": the folder " + parent + " does not exist");
        }
    }

    /**
     * The temporary file has a random name and is created exclusively (O_EXCL: a link planted in its place
     * is not followed), then renamed over the pid file, which a rename replaces rather than writes through.
     */
    static void write(Path file, long pid) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".tmp");
        try {
            Files.writeString(tmp, Long.toString(pid));
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new IOException("--pid-file " + file + ": " + e.getMessage(), e);
        }
    }
}
