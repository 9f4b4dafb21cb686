package dev.hull.vm;

import dev.hull.error.BadInputException;
import dev.hull.logging.Log;
import dev.hull.state.StateStore;
import dev.hull.sys.Host;
import dev.hull.time.Deadline;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileLock;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The templates of this host (root's: {@code /run/hull-templates}; another user's in their runtime
 * folder), a folder each named by its shape's key, on tmpfs: a template's RAM is a file there. A
 * template is made in a folder of its own and renamed into place whole, by one maker at a time (a
 * lock file per key, so parallel first creates make one); a folder with the final name is complete.
 */
public final class TemplateStore {
    /** The most templates kept; the least recently used go first. */
    static final int MAX_TEMPLATES = 8;
    private static final String MAKING = ".making-";
    private static final String LOCK = ".lock";
    private static final String SHAPE = "shape";
    private static final Duration LOCK_POLL = Duration.ofMillis(20);
    private static final String FAILED = ".failed";
    /** After a template of a slot failed to restore, its VMs boot for this long before one is made again. */
    private static final Duration FAILED_FOR = Duration.ofMinutes(10);

    private final Path dir;

    public TemplateStore(Path dir) {
        this.dir = dir;
    }

    /** This user's store. */
    public static TemplateStore forThisUser() {
        if (Host.isRoot()) {
            return new TemplateStore(Path.of("/run/hull-templates"));
        }
        Path runtime = StateStore.usableRuntimeDir(System.getenv("XDG_RUNTIME_DIR"));
        return new TemplateStore(runtime != null ? runtime.resolve("hull-templates")
                : Path.of(System.getProperty("java.io.tmpdir"), "hull-templates-" + System.getProperty("user.name")));
    }

    public Path dir() {
        return dir;
    }

    /**
     * The template for {@code shape}: the one there, or one made now. Waiting for another maker and making
     * one each get {@code bootTimeout}.
     */
    public Template obtain(TemplateShape shape, Duration bootTimeout)
            throws IOException, TimeoutException, BadInputException {
        String key = shape.key();
        String slot = shape.slot();
        Path done = dir.resolve(key);
        if (Files.isDirectory(done, LinkOption.NOFOLLOW_LINKS)) {
            return used(new Template(done, shape));
        }
        ensureDir();
        try (FileChannel lockFile = FileChannel.open(dir.resolve(key + LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = lock(lockFile, bootTimeout)) {
            if (Files.isDirectory(done, LinkOption.NOFOLLOW_LINKS)) {
                return used(new Template(done, shape));
            }
            Path failed = dir.resolve(slot + FAILED);
            if (Files.exists(failed) && Files.getLastModifiedTime(failed).toInstant()
                    .isAfter(Instant.now().minus(FAILED_FOR))) {
                throw new IOException("a clone of this shape's template failed to start at "
                        + Files.getLastModifiedTime(failed) + " (" + Files.readString(failed).strip()
                        + "); no template is made for " + FAILED_FOR.toMinutes() + " minutes");
            }
            removeTrees(key + MAKING);
            Path making = dir.resolve(key + MAKING + ProcessHandle.current().pid());
            long t0 = System.nanoTime();
            try {
                Template.make(shape, making, bootTimeout);
                Files.writeString(making.resolve(SHAPE), shape.describe() + "\n" + String.join(" ",
                        shape.kernelParams()) + "\n");
                Files.move(making, done, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | TimeoutException | BadInputException | RuntimeException e) {
                deleteTree(making);
                throw e;
            }
            Log.info("made a template (" + shape.describe() + ") in " + (System.nanoTime() - t0) / 1_000_000
                    + " ms: " + done);
            removeStale(slot + "-", key);
            return new Template(done, shape);
        }
    }

    /**
     * Takes a template whose clone failed to start out of use, and its slot for a while: a host where
     * clones cannot start would otherwise pay a template and a boot for every VM.
     */
    public void discard(Template t, String reason) {
        remove(t.dir());
        try {
            Files.writeString(dir.resolve(t.shape().slot() + FAILED), reason + "\n");
        } catch (IOException e) {
            Log.warn("cannot note that " + t.dir() + " failed: " + e.getMessage());
        }
    }

    /** A template as {@code hull check} shows it. */
    public record Info(String key, String shape, long bytes, Instant made) {
    }

    public List<Info> list() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Info> out = new ArrayList<>();
        for (Path t : templates()) {
            Path described = t.resolve(SHAPE);
            String shape = Files.isRegularFile(described) ? Files.readAllLines(described).getFirst() : "?";
            out.add(new Info(t.getFileName().toString(), shape, held(t),
                    Files.getLastModifiedTime(t.resolve("state")).toInstant()));
        }
        return out;
    }

    /** What a template holds in memory: tmpfs counts the pages written, not the files' sizes (du's view). */
    private static long held(Path template) {
        try {
            Process du = new ProcessBuilder("du", "-sk", template.toString()).redirectErrorStream(true).start();
            String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return du.waitFor() == 0 ? Long.parseLong(out.split("\\s+")[0]) * 1024 : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private List<Path> templates() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                    && !p.getFileName().toString().contains(".")).toList();
        }
    }

    private Template used(Template t) {
        try {
            Files.setLastModifiedTime(t.dir(), FileTime.from(Instant.now()));
        } catch (IOException e) {
            // Only the order in which templates are dropped depends on it.
        }
        return t;
    }

    private void ensureDir() throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // Made by a Hull beside this one.
            }
        }
        // A template's RAM holds what its guest booted with: nobody else may read it or plant one.
        var attrs = Files.readAttributes(dir, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (!attrs.isDirectory() || !attrs.owner().getName().equals(System.getProperty("user.name"))
                || !PosixFilePermissions.toString(attrs.permissions()).equals("rwx------")) {
            throw new AccessDeniedException(dir + " must be a folder of this user's with mode 0700");
        }
    }

    private static FileLock lock(FileChannel file, Duration wait) throws IOException, TimeoutException {
        Deadline end = Deadline.after(wait);
        return end.poll(LOCK_POLL, file::tryLock).orElseThrow(
                () -> new TimeoutException("another Hull has been making this template for over " + wait));
    }

    /** Drops the templates of a slot but {@code keep} (their qemu, kernel or initrd changed), then the oldest. */
    private void removeStale(String slotPrefix, String keep) throws IOException {
        List<Path> all = new ArrayList<>(templates());
        for (Path t : List.copyOf(all)) {
            String name = t.getFileName().toString();
            if (name.startsWith(slotPrefix) && !name.equals(keep)) {
                Log.info("removing the stale template " + t);
                remove(t);
                all.remove(t);
            }
        }
        all.sort(Comparator.comparing(TemplateStore::modified));
        while (all.size() > MAX_TEMPLATES) {
            remove(all.removeFirst());
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private void removeTrees(String prefix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                deleteTree(p);
            }
        }
    }

    /** A template and its lock file. */
    private void remove(Path template) {
        deleteTree(template);
        try {
            Files.deleteIfExists(dir.resolve(template.getFileName() + LOCK));
        } catch (IOException e) {
            Log.warn("cannot remove the lock of " + template + ": " + e.getMessage());
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            Log.warn("cannot remove " + root + ": " + e.getMessage());
        }
    }
}
