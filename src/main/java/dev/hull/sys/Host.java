package dev.hull.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the host process Hull runs as. */
public final class Host {
    private Host() {
    }

    /** The effective uid, read from /proc (no native call needed). */
    public static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self", e);
        }
    }

    public static boolean isRoot() {
        return uid() == 0;
    }
}
