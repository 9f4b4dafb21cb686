package dev.hull.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether this process could enter a namespace file, asked the only exact way: setns(2) on a thread made
 * for it and thrown away (setns of a network namespace moves just the calling thread). A path that is
 * missing, unreadable, not a namespace, of another type, or not ours to enter each fail differently.
 */
public final class Namespaces {
    public static final int CLONE_NEWNET = 0x40000000;
    public static final int CLONE_NEWIPC = 0x08000000;
    public static final int CLONE_NEWUTS = 0x04000000;
    public static final int CLONE_NEWCGROUP = 0x02000000;

    private static final int O_RDONLY_CLOEXEC = 0x80000;

    private Namespaces() {
    }

    private static final class Calls {
        static final MethodHandle OPEN = Native.withErrno("open",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        static final MethodHandle SETNS = Native.withErrno("setns",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    /** Empty when {@code path} is a namespace of {@code type} this process may enter; else why not. */
    public static Optional<String> whyNotEnterable(Path path, int type) {
        AtomicReference<String> why = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("hull-setns-probe").start(() -> why.set(probe(path, type)));
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
        return Optional.ofNullable(why.get());
    }

    private static String probe(Path path, int type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            int fd = (int) Calls.OPEN.invokeExact(state, arena.allocateFrom(path.toString()), O_RDONLY_CLOEXEC);
            if (fd < 0) {
                return error(state, type);
            }
            try {
                int rc = (int) Calls.SETNS.invokeExact(state, fd, type);
                return rc == 0 ? null : error(state, type);
            } finally {
                Native.close(fd);
            }
        } catch (Throwable t) {
            return t.toString();
        }
    }

    /**
     * Whether two namespace files (a /proc/PID/ns/TYPE link, a bind of one such as /run/netns/NAME) are the
     * same namespace: the same inode of the same nsfs. One that cannot be read is no match.
     */
    public static boolean same(Path a, Path b) {
        try {
            return Files.getAttribute(a, "unix:ino").equals(Files.getAttribute(b, "unix:ino"))
                    && Files.getAttribute(a, "unix:dev").equals(Files.getAttribute(b, "unix:dev"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Opens a namespace file and keeps it open for the life of this process: {@code /proc/PID/fd/N} then
     * names the namespace even after the process it came from is gone. -1 when it cannot be opened.
     */
    public static int hold(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) Calls.OPEN.invokeExact(arena.allocate(Native.CALL_STATE), arena.allocateFrom(path.toString()),
                    0);
        } catch (Throwable t) {
            return -1;
        }
    }

    private static String error(MemorySegment state, int type) throws Throwable {
        int errno = Native.errno(state);
        // EINVAL from setns: the file is no namespace, or one of another type.
        return errno == 22 ? "not " + switch (type) {
            case CLONE_NEWIPC -> "an ipc";
            case CLONE_NEWUTS -> "a uts";
            case CLONE_NEWCGROUP -> "a cgroup";
            default -> "a network";
        } + " namespace" : Native.strerror(errno);
    }
}
