package dev.hull.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.error.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

final class SpecCommand implements Callable<Integer> {
    private final Main global;
    private final Path bundle;
    private final boolean rootless;

    static Syntax syntax() {
        return Syntax.command("spec", "Write a new config.json (runc's starting point), runnable by Hull.")
                .option(Path.class, "DIR", "folder to write config.json into (default: current)", "-b", "--bundle")
                .flag("a config for a user without root (user namespace mappings)", "--rootless");
    }

    SpecCommand(Main global, Parsed args) {
        this.global = global;
        this.bundle = args.value("--bundle", Path.of("."));
        this.rootless = args.flag("--rootless");
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        Path file = bundle.resolve("config.json");
        if (Files.exists(file)) {
            throw new BadInputException("File " + file + " exists. Remove it first");
        }
        if (!Files.isDirectory(bundle)) {
            throw new BadInputException("bundle folder " + bundle + " does not exist");
        }
        Files.writeString(file, Output.JSON.writeValueAsString(spec(rootless)) + "\n");
        return 0;
    }

    static ObjectNode spec(boolean rootless) {
        var json = Output.JSON;
        ObjectNode c = json.createObjectNode();
        c.put("ociVersion", "1.2.0");
        ObjectNode p = c.putObject("process");
        p.put("terminal", true);
        p.putObject("user").put("uid", 0).put("gid", 0);
        p.putArray("args").add("sh");
        p.putArray("env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").add("TERM=xterm");
        p.put("cwd", "/");
        ObjectNode caps = p.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            caps.putArray(set).add("CAP_AUDIT_WRITE").add("CAP_KILL").add("CAP_NET_BIND_SERVICE");
        }
        p.putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("hard", 1024).put("soft", 1024);
        p.put("noNewPrivileges", true);
        c.putObject("root").put("path", "rootfs").put("readonly", true);
        c.put("hostname", "hull");
        ArrayNode mounts = c.putArray("mounts");
        mount(mounts, "/proc", "proc", "proc");
        mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
        mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                "mode=0620", rootless ? null : "gid=5");
        mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
        mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        mount(mounts, "/sys", rootless ? "none" : "sysfs", rootless ? "/sys" : "sysfs", "nosuid", "noexec", "nodev",
                "ro", rootless ? "rbind" : null);
        mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro");
        ObjectNode linux = c.putObject("linux");
        ArrayNode ns = linux.putArray("namespaces");
        // runc's rootless spec leaves the network namespace out (the host's: a user cannot make a network);
        // Hull refuses that (HostNamespaces), and a user's VM has a network stack of its own anyway.
        for (String t : rootless ? List.of("pid", "network", "ipc", "uts", "mount", "cgroup", "user")
                : List.of("pid", "network", "ipc", "uts", "mount", "cgroup")) {
            ns.addObject().put("type", t);
        }
        if (rootless) {
            linux.putArray("uidMappings").addObject().put("containerID", 0).put("hostID", 1000).put("size", 1);
            linux.putArray("gidMappings").addObject().put("containerID", 0).put("hostID", 1000).put("size", 1);
        } else {
            linux.putObject("resources").putArray("devices").addObject().put("allow", false).put("access", "rwm");
        }
        ArrayNode masked = linux.putArray("maskedPaths");
        List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi").forEach(masked::add);
        ArrayNode ro = linux.putArray("readonlyPaths");
        List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger").forEach(ro::add);
        return c;
    }

    private static void mount(ArrayNode mounts, String dest, String type, String source, String... options) {
        ObjectNode m = mounts.addObject().put("destination", dest).put("type", type).put("source", source);
        ArrayNode opts = m.putArray("options");
        for (String o : options) {
            if (o != null) {
                opts.add(o);
            }
        }
        if (opts.isEmpty()) {
            m.remove("options");
        }
    }
}
