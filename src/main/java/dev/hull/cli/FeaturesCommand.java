package dev.hull.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.oci.SpecRules;
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

    /** What the guest agent reads (guest/agent/mounts.c): runc's list less idmap and ridmap. */
    static final List<String> MOUNT_OPTIONS = List.of("acl", "async", "atime", "bind", "defaults", "dev", "diratime",
            "dirsync", "exec", "iversion", "lazytime", "loud", "mand", "noacl", "noatime", "nodev", "nodiratime",
            "noexec", "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow",
            "private", "ratime", "rbind", "rdev", "rdiratime", "relatime", "remount", "rexec", "rnoatime",
            "rnodev", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid", "rnosymfollow", "ro",
            "rprivate", "rrelatime", "rro", "rrw", "rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow",
            "runbindable", "rw", "shared", "silent", "slave", "strictatime", "suid", "symfollow", "sync",
            "tmpcopyup", "unbindable");

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
        // mount, pid, uts, ipc, cgroup, user: the agent's, in the guest; network: carried into the VM (and the
        // shim, the reported pid, lives in it, and in ipc and uts ones of its own).
        List.of("mount", "pid", "uts", "ipc", "cgroup", "user", "network").forEach(ns::add);
        var caps = linux.putArray("capabilities");
        SpecRules.CAPABILITIES.stream().sorted().forEach(caps::add);
        linux.putObject("cgroup").put("v1", false).put("v2", true).put("systemd", false).put("systemdUser", false)
                .put("rdma", false);
        // The agent compiles the profile with libseccomp in the guest (docs/agent-protocol.md, create).
        ObjectNode seccomp = linux.putObject("seccomp").put("enabled", true);
        List.of("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP").forEach(seccomp.putArray("actions")::add);
        List.of("SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
                "SCMP_CMP_NE").forEach(seccomp.putArray("operators")::add);
        List.of("SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32").forEach(seccomp.putArray("archs")::add);
        var known = seccomp.putArray("knownFlags");
        var supported = seccomp.putArray("supportedFlags");
        List.of("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC")
                .forEach(flag -> {
                    known.add(flag);
                    supported.add(flag);
                });
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
