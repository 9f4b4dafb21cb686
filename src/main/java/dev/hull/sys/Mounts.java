package dev.hull.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Bind mounts on the host, through mount(2) and umount2(2): how a pod's VM reaches each member's root
 * (see shim.PodShare). Spawning mount(8) would cost a process per mount on a cold shim.
 */
public final class Mounts {
    private static final long MS_RDONLY = 1;
    private static final long MS_REMOUNT = 32;
    private static final long MS_BIND = 4096;
    private static final long MS_REC = 16384;
    private static final long MS_PRIVATE = 1 << 18;
    private static final long MS_SHARED = 1 << 20;
    private static final int MNT_DETACH = 2;
    private static final int EINVAL = 22;

    private Mounts() {
    }

    private static final class Calls {
        static final MethodHandle MOUNT = Native.withErrno("mount", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                ValueLayout.ADDRESS));
        static final MethodHandle UMOUNT2 = Native.withErrno("umount2", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }

    /** {@code source} bound (with what is mounted under it) on {@code target}; read-only when asked. */
    public static void bind(Path source, Path target, boolean readonly) throws IOException {
        mount(source.toString(), target, MS_BIND | MS_REC);
        if (readonly) {
            try {
                mount(null, target, MS_BIND | MS_REMOUNT | MS_RDONLY);
            } catch (IOException e) {
                detach(target);
                throw e;
            }
        }
    }

    /**
     * {@code dir} as a mount of its own in a peer group of its own: what is mounted under it later reaches
     * the mount namespaces copied from this one as slaves (virtiofsd's sandbox, qemu's namespace).
     */
    public static void shareable(Path dir) throws IOException {
        mount(dir.toString(), dir, MS_BIND);
        try {
            mount(null, dir, MS_PRIVATE);
            mount(null, dir, MS_SHARED);
        } catch (IOException e) {
            detach(dir);
            throw e;
        }
    }

    /** Lazily unmounts {@code target} (umount2 MNT_DETACH); not mounted is not an error. */
    public static void detach(Path target) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            int rc = (int) Calls.UMOUNT2.invokeExact(state, arena.allocateFrom(target.toString()), MNT_DETACH);
            if (rc != 0 && Native.errno(state) != EINVAL) {
                throw new IOException("umount " + target + ": " + Native.strerror(Native.errno(state)));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("umount " + target + ": " + t.getMessage(), t);
        }
    }

    /**
     * Every mount point at or under {@code dir}, deepest first (the order to unmount them in), from
     * /proc/self/mountinfo.
     */
    public static List<Path> under(Path dir) throws IOException {
        Path base = dir.toAbsolutePath().normalize();
        List<Path> found = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4) {
                Path point = Path.of(unescape(f[4]));
                if (point.startsWith(base)) {
                    found.add(point);
                }
            }
        }
        found.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        return found;
    }

    /** Detaches everything mounted at or under {@code dir}; returns what is still mounted there. */
    public static List<Path> detachUnder(Path dir) throws IOException {
        for (Path p : under(dir)) {
            detach(p);
        }
        return under(dir);
    }

    /** mountinfo writes space, tab, newline and backslash as \ooo. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()
                    && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static void mount(String source, Path target, long flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            MemorySegment src = source == null ? MemorySegment.NULL : arena.allocateFrom(source);
            int rc = (int) Calls.MOUNT.invokeExact(state, src, arena.allocateFrom(target.toString()),
                    MemorySegment.NULL, flags, MemorySegment.NULL);
            if (rc != 0) {
                throw new IOException("mount " + (source == null ? "" : source + " on ") + target + ": "
                        + Native.strerror(Native.errno(state)));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("mount " + target + ": " + t.getMessage(), t);
        }
    }
}
