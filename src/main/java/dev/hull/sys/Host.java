package dev.hull.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Facts about the host process Hull runs as. */
public final class Host {
    private Host() {
    }

    /** Hull's installation folder (bin/hull gives it as -Dhull.home): guest/out, target/native, bin. */
    public static Path home() {
        return Path.of(System.getProperty("hull.home", ".")).toAbsolutePath().normalize();
    }

    /** The effective uid, read from /proc (no native call needed). */
    public static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self", e);
        }
    }

    /** This process's hostname (its uts namespace's), if it can be read. */
    public static Optional<String> hostname() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            return name.isEmpty() ? Optional.empty() : Optional.of(name);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public static boolean isRoot() {
        return uid() == 0;
    }

    /**
     * Whether this process is in a user namespace other than the host's: the host's maps every uid to
     * itself ("0 0 4294967295"). Rootless podman runs the runtime in one, as uid 0.
     */
    public static boolean inUserNamespace() {
        try {
            String[] map = Files.readString(Path.of("/proc/self/uid_map")).trim().split("\\s+");
            return !(map.length == 3 && map[0].equals("0") && map[1].equals("0") && map[2].equals("4294967295"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Whether process {@code pid} exists and has not ended: a zombie has ended, though its pid stays until
     * its parent reaps it, which an init that reaps lazily (this project's CI sandbox: seconds) delays.
     */
    public static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // "pid (comm) S ...": comm may hold spaces and parentheses, the state follows the last ')'.
            int end = stat.lastIndexOf(')');
            char state = end >= 0 && end + 2 < stat.length() ? stat.charAt(end + 2) : '?';
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The processes (this one left out) with an argument that contains one of {@code marks}, e.g. a
     * container's folders: what a shim that died left behind. Reads every process's command line: for
     * failure paths.
     */
    public static List<ProcessHandle> naming(List<String> marks) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> p.info().arguments().map(a -> Arrays.stream(a)
                        .anyMatch(arg -> marks.stream().anyMatch(arg::contains))).orElse(false))
                .toList();
    }

    /** Kills them and waits for each (5 s at most); returns those that did not end. */
    public static List<ProcessHandle> end(Collection<ProcessHandle> processes) {
        processes.forEach(ProcessHandle::destroyForcibly);
        List<ProcessHandle> stuck = new ArrayList<>();
        for (ProcessHandle p : processes) {
            try {
                p.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                stuck.add(p);
            }
        }
        return stuck;
    }
}
