package dev.hull.shim;

import dev.hull.error.HullException;
import dev.hull.error.InternalException;
import dev.hull.io.Children;
import dev.hull.oci.Mount;
import dev.hull.oci.Process;
import dev.hull.oci.Spec;
import dev.hull.sys.Host;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's anchor: hull-member ({@code src/main/c/hull-member.c}), the small host process whose pid is
 * the container's pid for its manager. As root its mount namespace's root is the container's rootfs with
 * the bind-mounted volumes where config.json puts them, and it is PID 1 of a pid namespace of its own, as
 * runc's container process is: a manager that goes through /proc/PID (podman cp, podman top, nsenter) finds
 * the container's files and no host process. The VM owner (a JVM: qemu, virtiofsd, the agent) is another
 * process, which the manager does not hold.
 */
public final class Anchor {
    static final String SOCKET = "anchor.sock";
    /** hull-member makes its namespaces and binds in milliseconds: this is room for a loaded machine. */
    private static final Duration READY = Duration.ofSeconds(20);

    private Anchor() {
    }

    /** The hull-member binary of this installation. */
    public static Path binary() throws HullException {
        Path home = Host.home();
        Path stub = home.resolve("target/native/hull-member");
        if (!Files.isExecutable(stub)) {
            throw new InternalException(stub + " is missing: run 'make build' in " + home);
        }
        return stub;
    }

    /**
     * What hull-member is given to become a container's anchor: as root, the container's root and volumes
     * (which need new mount and pid namespaces); otherwise just a process of its own (fork), handed to the
     * caller's manager.
     */
    public static List<String> args(Spec spec, Path rootfs) {
        List<String> args = new ArrayList<>(rlimits(spec.process()));
        if (!Host.isRoot()) {
            args.add("--fork");
            return args;
        }
        args.addAll(List.of("--root", rootfs.toAbsolutePath().normalize().toString()));
        if (spec.root().readonly()) {
            args.add("--readonly");
        }
        for (Mount m : visibleBinds(spec.mounts())) {
            boolean ro = Volumes.readOnly(m);
            args.addAll(List.of("--bind", Path.of(m.source()).toAbsolutePath().normalize().toString(),
                    m.destination(), ro ? "ro" : "rw"));
        }
        return args;
    }

    /** Linux's RLIMIT_* numbers (asm-generic/resource.h), in order. */
    private static final List<String> RLIMIT_NUMBERS = List.of("RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA",
            "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK",
            "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO",
            "RLIMIT_RTTIME");

    /**
     * config.json's rlimits for the anchor too, as runc's container process has them: a manager reading
     * /proc/PID/limits finds the container's, not the shim's (whose JVM raises its soft NOFILE to the hard).
     */
    static List<String> rlimits(Process process) {
        List<String> args = new ArrayList<>();
        for (Process.Rlimit r : process == null || process.rlimits() == null ? List.<Process.Rlimit>of()
                : process.rlimits()) {
            int resource = RLIMIT_NUMBERS.indexOf(r.type());
            if (resource >= 0) {
                args.addAll(List.of("--rlimit", Integer.toString(resource), Long.toUnsignedString(r.soft()),
                        Long.toUnsignedString(r.hard())));
            }
        }
        return args;
    }

    /**
     * The bind mounts a look into the container's root should find: not those under another kind of mount
     * (a tmpfs on /dev, /run, proc...), which hides them in the container and would leave mount points in
     * the image where runc makes them in the tmpfs.
     */
    static List<Mount> visibleBinds(List<Mount> mounts) {
        List<String> hidden = mounts.stream().filter(m -> !Volumes.isBind(m) && m.destination() != null)
                .map(m -> Path.of(m.destination()).normalize().toString()).toList();
        List<Mount> out = new ArrayList<>();
        for (Mount m : mounts) {
            if (!Volumes.isBind(m) || m.source() == null || m.destination() == null
                    || !m.destination().startsWith("/")) {
                continue;
            }
            Path dst = Path.of(m.destination()).normalize();
            if (dst.getNameCount() > 0 && hidden.stream().noneMatch(h -> dst.startsWith(h))) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * Starts the anchor of a container whose VM this process owns, with this process's stdio
     * ({@code inheritStdio}; else /dev/null: the container has a terminal), and returns its link once it
     * is ready. It is not this process's child: it is handed to the nearest subreaper (the manager).
     */
    static AnchorLink start(Path runDir, MemberRequest request, List<String> args, boolean inheritStdio)
            throws IOException, HullException {
        return start(runDir, request, List.of(), args, inheritStdio);
    }

    /** {@link #start(Path, MemberRequest, List, boolean)} through {@code prefix} (nsenter: its namespaces). */
    static AnchorLink start(Path runDir, MemberRequest request, List<String> prefix, List<String> args,
            boolean inheritStdio) throws IOException, HullException {
        Path socket = runDir.resolve(SOCKET);
        Files.deleteIfExists(socket);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            List<String> cmd = new ArrayList<>(prefix);
            cmd.addAll(List.of(binary().toString(), socket.toString(), request.memberJson()));
            cmd.addAll(args);
            var starter = Children.withStdio(new ProcessBuilder(cmd), inheritStdio).start();
            SocketChannel ch = Children.await(server, starter, "container's host process", READY, true);
            AnchorLink link = null;
            try {
                link = AnchorLink.accept(ch);
                if (link == null) {
                    throw new IOException("the container's host process closed its connection");
                }
                link.awaitReady();
                return link;
            } catch (IOException | RuntimeException e) {
                if (link != null) {
                    ProcessHandle.of(link.request().pid()).ifPresent(ProcessHandle::destroyForcibly);
                }
                ch.close();
                throw e;
            }
        } finally {
            Files.deleteIfExists(socket);
        }
    }
}
