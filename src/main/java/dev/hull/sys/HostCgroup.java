package dev.hull.sys;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.error.BadInputException;
import dev.hull.time.Deadline;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The container's cgroup on the host (config.json's {@code linux.cgroupsPath}), where the VM's processes
 * live: the shim moves itself in before it starts anything, so qemu and virtiofsd are born there, and the
 * node can account for and limit the whole VM. Made and removed as runc does with its cgroupfs driver, in
 * every hierarchy this host mounts (cgroup v1 controllers, the named systemd one, the v2 one).
 * The systemd form {@code slice:prefix:name} is laid out as systemd would lay it out
 * ({@code /a.slice/a-b.slice/prefix-name.scope}), without asking systemd (Hull does not speak D-Bus).
 */
public record HostCgroup(List<Place> places) {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    /** Where the shim records the folders, in the container's state folder. */
    public static final String FILE = "cgroups";
    /** The VM's own threads and processes besides the container's (shim JVM ~30, qemu ~10, virtiofsd). */
    public static final int PIDS_OVERHEAD = 128;
    /** qemu, the shim's JVM and virtiofsd beside the guest's RAM (measured RSS ~110 + ~70 + ~5 MiB). */
    public static final long MEMORY_OVERHEAD = 256L << 20;
    /** How long a folder that a process still ending holds (EBUSY) is tried again before it is left. */
    private static final Duration REMOVE_DEADLINE = Duration.ofSeconds(1);
    private static final Duration REMOVE_POLL = Duration.ofMillis(20);

    /**
     * The container's folder in one hierarchy, and {@code origin}: where the process that joined was
     * before (an attached {@code run}'s CLI is the shim: it goes back there before it removes the folder).
     */
    public record Place(Path dir, Path origin) {
    }

    public HostCgroup {
        places = List.copyOf(places);
    }

    /** The cgroup folders for {@code cgroupsPath} (null: runc's default, /ID) in every hierarchy mounted. */
    public static HostCgroup of(String cgroupsPath, String id) throws IOException, BadInputException {
        String path = relative(cgroupsPath, id);
        String self = Files.readString(Path.of("/proc/self/cgroup"));
        List<Place> places = new ArrayList<>();
        for (Hierarchy h : hierarchies(Files.readString(MOUNTINFO))) {
            String at = h.current(self);
            places.add(new Place(h.mount().resolve(path).normalize(),
                    at == null ? h.mount() : h.mount().resolve(at.replaceAll("^/+", "")).normalize()));
        }
        return new HostCgroup(places);
    }

    /** A mounted hierarchy: v1 ones by their controllers ("cpu", "name=systemd"), v2 by "". */
    record Hierarchy(Path mount, String controllers) {
        /** This process's cgroup in it, from /proc/self/cgroup's text; null when not listed. */
        String current(String procSelfCgroup) {
            for (String line : procSelfCgroup.split("\n")) {
                String[] f = line.split(":", 3);
                if (f.length == 3 && f[1].equals(controllers)) {
                    return f[2];
                }
            }
            return null;
        }
    }

    /** cgroupsPath as a path below a hierarchy's root. */
    static String relative(String cgroupsPath, String id) throws BadInputException {
        if (cgroupsPath == null || cgroupsPath.isBlank()) {
            return id;
        }
        String[] parts = cgroupsPath.split(":");
        if (parts.length == 3 && !cgroupsPath.startsWith("/")) {
            return systemdPath(parts[0].isEmpty() ? "system.slice" : parts[0], parts[1], parts[2]);
        }
        String p = cgroupsPath.replaceAll("^/+", "");
        if (p.contains("..")) {
            throw new BadInputException("linux.cgroupsPath " + cgroupsPath + " leaves the cgroup tree");
        }
        return p;
    }

    /** systemd's layout: each dash in a slice's name is a level ("a-b.slice" lives in "a.slice"). */
    private static String systemdPath(String slice, String prefix, String name) {
        StringBuilder path = new StringBuilder();
        if (!slice.equals("-.slice")) {
            String base = slice.substring(0, slice.length() - ".slice".length());
            String[] levels = base.split("-");
            String acc = "";
            for (String level : levels) {
                acc = acc.isEmpty() ? level : acc + "-" + level;
                path.append(acc).append(".slice/");
            }
        }
        return path + (prefix.isEmpty() ? name : prefix + "-" + name) + ".scope";
    }

    /** The cgroup hierarchies in a mountinfo text, each once (the first mount of it). */
    static List<Hierarchy> hierarchies(String mountinfo) {
        List<Hierarchy> out = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] after = line.substring(dash + 3).split(" ");
            String[] before = line.substring(0, dash).split(" ");
            if (after.length < 3 || before.length < 5 || !(after[0].equals("cgroup") || after[0].equals("cgroup2"))) {
                continue;
            }
            String controllers = after[0].equals("cgroup2") ? "" : String.join(",", Arrays.stream(
                    after[2].split(",")).filter(o -> !List.of("rw", "ro").contains(o)).toList());
            if (out.stream().noneMatch(h -> h.controllers().equals(controllers))) {
                out.add(new Hierarchy(Path.of(before[4].replace("\\040", " ")), controllers));
            }
        }
        return out;
    }

    /** Makes the folders (a v1 cpuset one gets its parent's cpus and mems, or it could hold no process). */
    public void create() throws IOException {
        for (Place place : places) {
            Path dir = place.dir();
            List<Path> made = new ArrayList<>();
            for (Path d = dir; d != null && !Files.isDirectory(d); d = d.getParent()) {
                made.addFirst(d);
            }
            for (Path d : made) {
                Files.createDirectory(d);
                for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
                    Path parent = d.getParent().resolve(file);
                    if (Files.exists(parent) && Files.exists(d.resolve(file))) {
                        write(d.resolve(file), Files.readString(parent).strip());
                    }
                }
            }
        }
    }

    /** Moves a process (all its threads) in. */
    public void join(long pid) throws IOException {
        for (Place place : places) {
            write(place.dir().resolve("cgroup.procs"), Long.toString(pid));
        }
    }

    /** The processes in the container's cgroup, in any hierarchy (none where a folder is gone). */
    public Set<Long> processes() {
        Set<Long> pids = new LinkedHashSet<>();
        for (Place place : places) {
            pids.addAll(processes(place));
        }
        return pids;
    }

    private static List<Long> processes(Place place) {
        try {
            return Files.readAllLines(place.dir().resolve("cgroup.procs")).stream().map(String::strip)
                    .filter(l -> !l.isEmpty()).map(Long::parseLong).toList();
        } catch (IOException | NumberFormatException e) {
            return List.of();
        }
    }

    /** Moves this process back where it was, if it is still in the container's cgroup. */
    public void leave() {
        long pid = ProcessHandle.current().pid();
        for (Place place : places) {
            try {
                if (processes(place).contains(pid)) {
                    write(place.origin().resolve("cgroup.procs"), Long.toString(pid));
                }
            } catch (IOException e) {
                // Gone already, or not ours: remove() says what is left.
            }
        }
    }

    /**
     * The container's limits, for the whole VM: its CPU quota, shares and cpuset as they are, its pids limit and
     * memory limit with room for the VM's own ({@link #PIDS_OVERHEAD}, {@code vmMemoryBytes} +
     * {@link #MEMORY_OVERHEAD}). The memory limit itself is enforced in the guest. Network classes and
     * priorities and block I/O weights as runc writes them ({@link CgroupWeights}).
     */
    public void limit(JsonNode resources, long vmMemoryBytes) throws IOException {
        if (resources == null) {
            return;
        }
        JsonNode cpu = resources.path("cpu");
        long quota = cpu.path("quota").asLong(0);
        // runc's rule: a period of 0 (docker sends one) is unset, the kernel's 100 ms.
        long period = cpu.path("period").asLong(0) > 0 ? cpu.path("period").asLong() : 100_000;
        long shares = cpu.path("shares").asLong(0);
        long pids = resources.path("pids").path("limit").asLong(0);
        boolean memory = resources.path("memory").path("limit").asLong(0) > 0;
        String cpus = cpu.path("cpus").asText("");
        String mems = cpu.path("mems").asText("");
        for (Place place : places) {
            Path dir = place.dir();
            // The host's CPUs, as runc writes them: the VM's threads run there (the guest gets its own
            // numbering of the set: docs/agent-protocol.md).
            if (!cpus.isEmpty()) {
                writeIfThere(dir.resolve("cpuset.cpus"), cpus);
            }
            if (!mems.isEmpty()) {
                writeIfThere(dir.resolve("cpuset.mems"), mems);
            }
            if (quota > 0) {
                writeIfThere(dir.resolve("cpu.cfs_period_us"), Long.toString(period));
                writeIfThere(dir.resolve("cpu.cfs_quota_us"), Long.toString(quota));
                writeIfThere(dir.resolve("cpu.max"), quota + " " + period);
            }
            if (shares > 0) {
                writeIfThere(dir.resolve("cpu.shares"), Long.toString(shares));
                writeIfThere(dir.resolve("cpu.weight"), Long.toString(1 + ((shares - 2) * 9999) / 262142));
            }
            if (pids > 0) {
                writeIfThere(dir.resolve("pids.max"), Long.toString(pids + PIDS_OVERHEAD));
            }
            if (memory) {
                String bytes = Long.toString(vmMemoryBytes + MEMORY_OVERHEAD);
                writeIfThere(dir.resolve("memory.limit_in_bytes"), bytes);
                writeIfThere(dir.resolve("memory.max"), bytes);
            }
            CgroupWeights.write(dir, resources);
        }
    }

    /**
     * Removes the folders (the processes must be gone; a process that is ending may still hold one for a
     * moment). Returns what could not be removed.
     */
    public List<Path> remove() {
        leave();
        List<Path> left = new ArrayList<>();
        for (Place place : places) {
            boolean gone;
            try {
                gone = Deadline.within(REMOVE_DEADLINE, REMOVE_POLL, () -> {
                    try {
                        Files.deleteIfExists(place.dir());
                        return true;
                    } catch (FileSystemException e) {
                        return false; // EBUSY: a process that is ending still holds it.
                    }
                });
            } catch (IOException e) {
                gone = false;
            }
            if (!gone) {
                left.add(place.dir());
            }
        }
        return left;
    }

    /** As a file's lines, "dir origin" (so delete finds them without config.json, which may be gone). */
    public String lines() {
        StringBuilder sb = new StringBuilder();
        places.forEach(p -> sb.append(p.dir()).append('\t').append(p.origin()).append('\n'));
        return sb.toString();
    }

    public static HostCgroup fromLines(String text) {
        return new HostCgroup(text.lines().filter(l -> l.contains("\t")).map(l -> l.split("\t", 2))
                .map(f -> new Place(Path.of(f[0]), Path.of(f[1]))).toList());
    }

    private static void writeIfThere(Path file, String value) throws IOException {
        if (Files.exists(file)) {
            write(file, value);
        }
    }

    private static void write(Path file, String value) throws IOException {
        Files.write(file, value.getBytes(StandardCharsets.US_ASCII));
    }
}
