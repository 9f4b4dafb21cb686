package dev.hull.net;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.json.JsonValues;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@link NetnsView} from the kernel: a namespace is known by the device and inode of its nsfs file,
 * whatever path names it (/proc/PID/ns/net, a bind mount such as /run/netns/NAME); processes by scanning
 * /proc/PID/ns/net, one readlink each; interfaces by {@code ip -d -j link show} in the namespace.
 */
public final class LiveNetns implements NetnsView {
    private static final Path PROC = Path.of("/proc");

    /** The nsfs file's identity. */
    private record Key(Object dev, Object ino) {
    }

    /**
     * Process 1's namespace; and the kernel threads' (kthreadd, pid 2 of the host's pid namespace, whose
     * parent is 0), which never leave the initial one: where process 1 cannot be looked at (an init that
     * denies ptrace access, as on Firecracker guests) that still names the host's.
     */
    @Override
    public boolean isHosts(Path ns) {
        Optional<Key> k = key(ns);
        if (k.isEmpty()) {
            return false;
        }
        if (k.equals(key(PROC.resolve("1/ns/net")))) {
            return true;
        }
        boolean kthreadd = parent(2).equals(OptionalLong.of(0)) && "kthreadd".equals(comm(PROC.resolve("2")));
        return kthreadd && k.equals(key(PROC.resolve("2/ns/net")));
    }

    @Override
    public List<Proc> processes(Path ns) {
        Optional<Key> wanted = key(ns);
        List<Proc> found = new ArrayList<>();
        if (wanted.isEmpty()) {
            return found;
        }
        // readlink gives "net:[INODE]" and costs a third of a stat through Java's attribute views, cold (a
        // CLI is): the scan looks at the inode, and a match is confirmed by device and inode.
        String link = "net:[" + wanted.get().ino() + "]";
        try (DirectoryStream<Path> all = Files.newDirectoryStream(PROC)) {
            for (Path p : all) {
                String name = p.getFileName().toString();
                if (isPid(name) && link.equals(readLink(p.resolve("ns/net")))
                        && wanted.equals(key(p.resolve("ns/net")))) {
                    found.add(new Proc(Long.parseLong(name), comm(p)));
                }
            }
        } catch (IOException e) {
            // /proc cannot be listed: no process is known to be there.
        }
        return found;
    }

    /** Empty for a process that ended or is not ours to look at (ptrace rules). */
    private static String readLink(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    @Override
    public OptionalLong parent(long pid) {
        try {
            // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so from the last ')'.
            String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 3);
            return OptionalLong.of(Long.parseLong(rest[1]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public List<Iface> interfaces(Path ns) throws NetException {
        String out = new IpTool(ns).run("ip", "-d", "-j", "link", "show");
        try {
            return parseLinks(out);
        } catch (IOException e) {
            throw new NetException("cannot read the output of 'ip -d -j link show' in " + ns + ": "
                    + e.getMessage(), e);
        }
    }

    /** The pure part of {@link #interfaces}. */
    static List<Iface> parseLinks(String json) throws IOException {
        List<Iface> out = new ArrayList<>();
        JsonNode links = JsonValues.tree(json.getBytes(StandardCharsets.UTF_8));
        if (links != null) {
            for (JsonNode l : links) {
                out.add(new Iface(l.path("ifname").asText(), l.path("link_type").asText(),
                        l.path("linkinfo").path("info_kind").asText(null)));
            }
        }
        return out;
    }

    private static Optional<Key> key(Path ns) {
        try {
            Map<String, Object> a = Files.readAttributes(ns, "unix:dev,ino");
            return Optional.of(new Key(a.get("dev"), a.get("ino")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String comm(Path proc) {
        try {
            return Files.readString(proc.resolve("comm")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private static boolean isPid(String name) {
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }
}
