package dev.hull.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The runtime-spec features document. It lists only what Hull honours today: namespaces the agent creates
 * (and the network one it carries into the VM), the mount options it understands, cgroup v2 in the guest,
 * the hooks it runs.
 */
final class FeaturesCommand implements Callable<Integer> {
    static Syntax syntax() {
        return Syntax.command("features", "Print the OCI features JSON: what this runtime supports.");
    }

    static final List<String> MOUNT_OPTIONS = List.of("async", "atime", "bind", "defaults", "dev", "diratime",
            "exec", "mand", "noatime", "nodev", "nodiratime", "noexec", "nomand", "norelatime", "nostrictatime",
            "nosuid", "private", "rbind", "relatime", "remount", "ro", "rprivate", "rshared", "rslave", "rw",
            "shared", "slave", "strictatime", "suid", "sync", "unbindable", "runbindable");

    @Override
    public Integer call() throws Exception {
        var json = Output.JSON;
        ObjectNode f = json.createObjectNode();
        f.put("ociVersionMin", "1.0.0");
        f.put("ociVersionMax", "1.2.0");
        var hooks = f.putArray("hooks");
        List.of("prestart", "createRuntime", "poststart", "poststop").forEach(hooks::add);
        var opts = f.putArray("mountOptions");
        MOUNT_OPTIONS.forEach(opts::add);
        ObjectNode linux = f.putObject("linux");
        var ns = linux.putArray("namespaces");
        // mount, pid, uts, ipc, cgroup: the agent's, in the guest; network: carried into the VM (and the
        // shim, the reported pid, lives in it, and in ipc and uts ones of its own).
        List.of("mount", "pid", "uts", "ipc", "cgroup", "network").forEach(ns::add);
        linux.putArray("capabilities");
        linux.putObject("cgroup").put("v1", false).put("v2", true).put("systemd", false).put("systemdUser", false)
                .put("rdma", false);
        linux.putObject("seccomp").put("enabled", false);
        linux.putObject("apparmor").put("enabled", false);
        linux.putObject("selinux").put("enabled", false);
        linux.putObject("intelRdt").put("enabled", false);
        String[] version = new Main.Version().getVersion();
        f.putObject("annotations")
                .put("dev.hull.version", version[0].replace("hull version ", ""))
                .put("dev.hull.commit", version[1].replace("commit: ", ""))
                .put("dev.hull.isolation", "vm")
                .put("dev.hull.hypervisor", "qemu");
        System.out.println(json.writeValueAsString(f));
        return 0;
    }
}
