package dev.hull.testing;

import dev.hull.net.IpTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Hull's taps ("hulltap…") and tc filters (preference 18517) anywhere on this machine: in every network
 * namespace a process is in or a file names (/run/netns, a manager's bind mounts found in
 * /proc/self/mountinfo). Empty when a test left nothing behind.
 */
public final class NetLeftovers {
    private NetLeftovers() {
    }

    public static List<String> find() throws IOException, InterruptedException {
        Map<Object, Path> namespaces = new LinkedHashMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                add(namespaces, p.resolve("ns/net"));
            }
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (dash > 0 && dash + 1 < f.length && f[dash + 1].equals("nsfs")) {
                add(namespaces, Path.of(f[4]));
            }
        }
        List<String> found = new ArrayList<>();
        for (Path ns : namespaces.values()) {
            String links = run(ns, "ip", "-o", "link", "show");
            for (String line : links.lines().toList()) {
                String name = line.split(":")[1].strip().split("@")[0];
                if (name.startsWith("hulltap")) {
                    found.add(ns + ": tap " + name);
                }
                if (run(ns, "tc", "filter", "show", "dev", name, "ingress").contains("pref 18517")) {
                    found.add(ns + ": filter on " + name);
                }
            }
        }
        return found;
    }

    private static void add(Map<Object, Path> namespaces, Path ns) {
        try {
            namespaces.putIfAbsent(Files.getAttribute(ns, "unix:ino"), ns);
        } catch (IOException | UnsupportedOperationException e) {
            // The process ended, or the file is not ours to read.
        }
    }

    private static String run(Path ns, String... argv) throws IOException, InterruptedException {
        // Not IpTool.run: a device without an ingress qdisc makes tc fail, which here just means "none".
        Process p = new ProcessBuilder(new IpTool(ns).command(List.of(argv))).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}
