package dev.hull.state;

import dev.hull.error.BadInputException;
import dev.hull.error.NotFoundException;
import dev.hull.error.WrongStateException;
import dev.hull.logging.Log;
import dev.hull.sys.Host;
import dev.hull.sys.Mounts;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The state root ({@code --root}): one folder per container holding {@code state.json} (replaced
 * atomically) and a lock file that serialises verbs on that container across processes.
 */
public final class StateStore {
    public static final Path DEFAULT_ROOT = Path.of("/run/opencontainer/containers");
    /** The default root's description, for help. */
    public static final String DEFAULT_ROOT_HELP = DEFAULT_ROOT + "; $XDG_RUNTIME_DIR/hull when not root";
    private static final String STATE = "state.json";
    private static final String LOCK = "lock";

    private final Path root;

    public StateStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** The root when none is given: {@link #defaultRoot(boolean, String)} for this process. */
    public static Path defaultRoot() {
        return defaultRoot(honoursRuntimeDir(Host.uid(), Host.inUserNamespace(), System.getenv("USER")),
                System.getenv("XDG_RUNTIME_DIR"));
    }

    /**
     * runc's rule (shouldHonorXDGRuntimeDir): a user who is not root, or root in a user namespace that is not
     * the real root by USER (rootless podman runs the runtime as uid 0 in its user namespace), keeps its
     * state in XDG_RUNTIME_DIR; the real root does not (its XDG_RUNTIME_DIR, /run/user/0, is no runtime's).
     */
    public static boolean honoursRuntimeDir(int uid, boolean inUserNamespace, String user) {
        return uid != 0 || (inUserNamespace && !"root".equals(user));
    }

    /**
     * {@code $XDG_RUNTIME_DIR/hull} (runc: {@code .../runc}) when {@code honour} and that folder is usable, so
     * that a rootless manager (podman) that calls without --root finds the containers it made, in a folder
     * that user can write. An unset, relative or unusable XDG_RUNTIME_DIR keeps {@link #DEFAULT_ROOT}.
     */
    public static Path defaultRoot(boolean honour, String xdgRuntimeDir) {
        Path dir = honour ? usableRuntimeDir(xdgRuntimeDir) : null;
        return dir != null ? dir.resolve("hull") : DEFAULT_ROOT;
    }

    /** {@code xdgRuntimeDir} when it is an absolute path to a folder this user can write; else null. */
    public static Path usableRuntimeDir(String xdgRuntimeDir) {
        if (xdgRuntimeDir == null || xdgRuntimeDir.isEmpty()) {
            return null;
        }
        Path dir = Path.of(xdgRuntimeDir);
        return dir.isAbsolute() && Files.isDirectory(dir) && Files.isWritable(dir) ? dir : null;
    }

    public Path dir(String id) {
        // Every path made from an id comes through here: one that is no id ("../x", "/tmp/x") never
        // reaches the file system (a lock file in an arbitrary folder, as root). The user's ids are checked
        // where they come in (read, lock, claim), so one getting here is a bug.
        if (!ContainerId.isValid(id)) {
            throw new IllegalArgumentException("not a container id: '" + id + "'");
        }
        return root.resolve(id);
    }

    /**
     * A container's room of its own in a state folder that fills up: given back the first time its state
     * cannot be written for want of space, so that a container already made still records its start and its
     * end (a start that failed on a full disk left the workload running and the status "created").
     */
    static final String RESERVE = "reserve";
    private static final int RESERVE_BYTES = 16 << 10;

    /** Claims the id: creates its folder (mode 0700) and its reserve, failing if it exists. */
    public Path claim(String id) throws IOException, BadInputException, WrongStateException {
        ContainerId.validate(id);
        Files.createDirectories(root);
        Path dir = dir(id);
        try {
            Files.createDirectory(dir,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            throw WrongStateException.exists(id);
        }
        try {
            Files.write(dir.resolve(RESERVE), new byte[RESERVE_BYTES]);
        } catch (IOException e) {
            deleteTree(dir);
            throw e;
        }
        return dir;
    }

    public boolean exists(String id) {
        return Files.isDirectory(dir(id));
    }

    public ContainerState read(String id) throws IOException, BadInputException, NotFoundException {
        ContainerId.validate(id);
        return find(id).orElseThrow(() -> NotFoundException.container(id));
    }

    public Optional<ContainerState> find(String id) throws IOException {
        try {
            return Optional.of(StateJson.read(Files.readAllBytes(dir(id).resolve(STATE))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Replaces state.json atomically: a reader sees the old state or the new, never half of one. Out of
     * space, the container's reserve is given up for it once.
     */
    public void write(ContainerState state) throws IOException {
        Path dir = dir(state.id());
        Path tmp = dir.resolve(STATE + ".tmp." + ProcessHandle.current().pid());
        try {
            Files.write(tmp, StateJson.write(state));
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            if (!String.valueOf(e.getMessage()).contains("No space left")
                    || !Files.deleteIfExists(dir.resolve(RESERVE))) {
                throw e;
            }
            Log.warn("the state folder of " + state.id() + " is full: its reserve is used");
            Files.write(tmp, StateJson.write(state));
        }
        try {
            Files.move(tmp, dir.resolve(STATE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(STATE), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Every container with a readable state, in folder order. */
    public List<ContainerState> list() throws IOException {
        return list(problem -> { });
    }

    /**
     * Every container whose state can be read, by id; {@code unreadable} hears of the others (one broken
     * container must not hide the rest, and delete --force still removes it).
     */
    public List<ContainerState> list(Consumer<String> unreadable) throws IOException {
        List<ContainerState> all = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return all;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path d : dirs) {
                try {
                    all.add(StateJson.read(Files.readAllBytes(d.resolve(STATE))));
                } catch (NoSuchFileException e) {
                    // Being created or deleted right now.
                } catch (IOException | RuntimeException e) {
                    unreadable.accept(d.resolve(STATE) + " cannot be read: " + e.getMessage());
                }
            }
        }
        all.sort((a, b) -> a.id().compareTo(b.id()));
        return all;
    }

    /** Takes the container's lock, waiting for another verb that holds it. */
    public Lock lock(String id) throws IOException, BadInputException, NotFoundException {
        Path dir = dir(ContainerId.validate(id));
        if (!Files.isDirectory(dir)) {
            throw NotFoundException.container(id);
        }
        FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        return new Lock(ch, ch.lock());
    }

    /** Removes the container's folder and everything in it. */
    public void remove(String id) throws IOException {
        deleteTree(dir(id));
    }

    /**
     * Removes a state or run folder. A pod's run folder holds binds of its members' roots (the bundles'
     * rootfs on the host): they are detached first, and the walk never enters a mount point, so a bind
     * that would not go costs a warning, never a user's files.
     */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Set<Path> mounted = new HashSet<>(
                Host.isRoot() ? Mounts.detachUnder(dir) : Mounts.under(dir));
        if (mounted.contains(dir.toAbsolutePath().normalize())) {
            throw new IOException("cannot remove " + dir + ": something is still mounted on it");
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d,
                    BasicFileAttributes attrs) {
                if (mounted.contains(d.toAbsolutePath().normalize())) {
                    Log.warn("left " + d + ": something is still mounted on it");
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a)
                    throws IOException {
                if (!mounted.contains(f.toAbsolutePath().normalize())) {
                    Files.deleteIfExists(f);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                try {
                    Files.deleteIfExists(d);
                } catch (DirectoryNotEmptyException left) {
                    // Holds a mount point that would not go: warned above.
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** A held container lock; closing releases it. */
    public record Lock(FileChannel channel, FileLock lock) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
