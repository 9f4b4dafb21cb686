package dev.hull.shim;

import dev.hull.error.HullException;
import dev.hull.logging.Log;
import dev.hull.oci.Bundle;
import dev.hull.oci.Spec;
import dev.hull.state.ContainerState;
import dev.hull.state.StateStore;
import dev.hull.state.Status;
import dev.hull.sys.Namespaces;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a pod's members come in: {@code pod.sock} in the VM owner's run folder. Each connection is one
 * member's host process (hull-member) for the member's whole life: it asks for the member
 * ({@link MemberRequest}), and is answered, once the member has ended, with its exit code. The
 * connection closing early means that process was killed: the member is killed in the guest.
 */
final class MemberDoor implements AutoCloseable {
    static final String SOCKET = "pod.sock";

    private final PodVm pod;
    private final StateStore store;
    private final HookRunner hookRunner;
    private final Path path;
    private final ServerSocketChannel server;

    private MemberDoor(PodVm pod, StateStore store, HookRunner hookRunner, Path path, ServerSocketChannel server) {
        this.pod = pod;
        this.store = store;
        this.hookRunner = hookRunner;
        this.path = path;
        this.server = server;
    }

    static MemberDoor open(PodVm pod, StateStore store, HookRunner hookRunner) throws IOException {
        Path path = pod.runDir().resolve(SOCKET);
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        MemberDoor door = new MemberDoor(pod, store, hookRunner, path, server);
        ShimServer.serve(server, "hull-pod", door::member);
        return door;
    }

    /** One member, from its request to its end. */
    private void member(SocketChannel ch) {
        try (ch) {
            AnchorLink link;
            try {
                link = AnchorLink.accept(ch);
                if (link == null) {
                    return;
                }
            } catch (IOException e) {
                Log.warn("pod " + pod.name() + ": " + e.getMessage());
                return;
            }
            MemberRequest request = link.request();
            GuestContainer c;
            try {
                link.awaitReady();
                c = create(request);
            } catch (Exception e) {
                Log.error("create " + request.id() + " in the pod of " + pod.name() + ": " + HullException.message(e));
                NotifySocket.failed(request.notifySocket(), e);
                return;
            }
            NotifySocket.ok(request.notifySocket());
            Log.info("created " + request.id() + " in the VM of " + pod.name());
            link.bind(c);
            int code = c.awaitExit();
            // The manager sees the member end when its host process does: that comes first, the guest's
            // and the share's clean-up after.
            try {
                link.exit(code);
            } finally {
                c.release();
            }
        } catch (IOException e) {
            Log.debug("member connection: " + e.getMessage());
        }
    }

    /**
     * The member's hooks, root and volumes in the share, then the container in the guest with the host
     * process's stdio; on failure what was made is taken back.
     */
    private GuestContainer create(MemberRequest r) throws Exception {
        return create(r, null);
    }

    /**
     * A member of a front that serves it in process (containerd's v2 shim): its anchor started from here
     * through {@code prefix} (nsenter: the namespaces config.json names), its stdio given.
     */
    ServedMember createServed(String id, Bundle bundle, List<String> prefix, HostStdio stdio) throws Exception {
        Path runDir = Path.of(store.read(id).runDir());
        AnchorLink link = Anchor.start(runDir, new MemberRequest(0, id, bundle.dir(), runDir.resolve("notify.sock"),
                null, null), prefix, Anchor.args(bundle.spec(), bundle.rootfs()), true);
        try {
            GuestContainer c = create(link.request(), stdio);
            link.bind(c);
            return new ServedMember(c, link);
        } catch (Exception e) {
            link.close();
            throw e;
        }
    }

    /** {@code given}: the member's stdio; null, its host process's. */
    private GuestContainer create(MemberRequest r, HostStdio given) throws Exception {
        ContainerState initial = store.read(r.id());
        Bundle bundle = Bundle.load(r.bundle());
        var spec = bundle.spec();
        long started = ProcessHandle.of(r.pid()).flatMap(p -> p.info().startInstant())
                .map(i -> i.toEpochMilli()).orElse(0L);
        ContainerState hookState = initial.started(r.pid(), started, 0);
        // A VM stopped because its one container is paused cannot take a member: it runs on, and the
        // paused container stays frozen.
        pod.running();
        hookRunner.run("createRuntime", spec.hooks().createRuntime(), hookState, "creating");
        hookRunner.run("prestart", spec.hooks().prestart(), hookState, "created");
        PodShare share = pod.share();
        HostStdio stdio = null;
        try {
            if (spec.root().readonly()) {
                MountPoints.prepare(bundle.rootfs(), spec.mounts());
            }
            Volumes volumes = Volumes.inPod(spec.mounts(), r.id(), share);
            String root = share.addRoot(r.id(), bundle.rootfs(), spec.root().readonly());
            stdio = given != null ? given : HostStdio.ofProcess(r.pid(), new HostTerminal.Source(r.consoleSocket(),
                    r.console()), spec.process().terminal());
            ContainerState created = hookState.withStatus(Status.CREATED).withVm(pod.info());
            return GuestContainer.create(store, pod, created, bundle, volumes, root, joins(spec), stdio, hookRunner);
        } catch (Exception e) {
            if (stdio != null && stdio.tty() != null) {
                stdio.tty().close();
            }
            share.remove(r.id());
            throw e;
        }
    }

    /**
     * The uts, ipc and pid namespaces config.json names by path, as the containers of this VM whose host
     * process is in them (the sandbox's anchor, a member's hull-member): the member shares that container's
     * namespace in the guest (pid: Kubernetes' shareProcessNamespace, where each member names the sandbox's).
     * Another namespace cannot be carried into the VM: the member gets its own.
     */
    private Map<String, String> joins(Spec spec) {
        Map<String, String> join = new LinkedHashMap<>();
        for (var ns : spec.linux().namespaces()) {
            String type = switch (ns.type()) {
                case "uts" -> "uts";
                case "ipc" -> "ipc";
                case "pid" -> "pid";
                default -> null;
            };
            if (type == null || ns.path() == null || ns.path().isEmpty()) {
                continue;
            }
            String owner = owner(Path.of(ns.path()), type);
            if (owner != null) {
                join.put(type, owner);
            } else {
                Log.warn(type + " namespace " + ns.path() + " is no container's in the VM of " + pod.name()
                        + ": the member gets its own");
            }
        }
        return join;
    }

    /** The container of this VM whose host process is in the namespace at {@code path}, or null. */
    private String owner(Path path, String type) {
        for (GuestContainer c : pod.containers()) {
            if (Namespaces.same(path, Path.of("/proc", Long.toString(c.state().pid()), "ns", type))) {
                return c.id();
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
    }
}
