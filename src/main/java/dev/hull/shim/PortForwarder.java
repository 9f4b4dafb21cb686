package dev.hull.shim;

import dev.hull.agent.AgentClient;
import dev.hull.agent.AgentException;
import dev.hull.agent.Frame;
import dev.hull.agent.ProcessStreams;
import dev.hull.logging.Log;
import dev.hull.net.IpTool;
import dev.hull.net.LiveNetns;
import dev.hull.net.NetException;
import dev.hull.sys.LoopbackTcp;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * Carries TCP connections to 127.0.0.1:PORT in the pod's network namespace on the host into the VM, to
 * 127.0.0.1:PORT in the guest (docs/architecture.md, "Port forwarding"). containerd's port-forward (and so
 * {@code kubectl port-forward}) dials there from inside the namespace, where under runc the pod's server
 * listens; here it listens in the VM. One NAT rule of the namespace sends every such connection to a
 * listener of this process; the port it was dialled to (SO_ORIGINAL_DST) is what the agent connects to.
 */
final class PortForwarder {
    /** Connections at once: each costs two threads here and a socket and two streams in the guest. */
    private static final int MAX_CONNECTIONS = 128;
    private static final Duration CONNECT = Duration.ofSeconds(10);
    private static final int BUFFER = Frame.MAX_DATA;

    private final IpTool tool = new IpTool(null);
    private final LoopbackTcp.Listener listener;
    private final AgentClient agent;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean stopped;
    private boolean ruleAdded;

    private PortForwarder(LoopbackTcp.Listener listener, AgentClient agent) {
        this.listener = listener;
        this.agent = agent;
    }

    /**
     * Whether the container is a Kubernetes pod's sandbox (containerd's CRI or CRI-O marks it so): port
     * forwarding is a CRI call (kubectl port-forward), and podman, docker and ctr never make it, so their
     * VMs' owners keep no listener, thread or NAT rule for it.
     */
    static boolean wanted(Map<String, String> annotations) {
        return "sandbox".equals(annotations.get("io.kubernetes.cri.container-type"))
                || "sandbox".equals(annotations.get("io.kubernetes.cri-o.ContainerType"));
    }

    /**
     * Starts forwarding in this process's network namespace, which must be the container's own (never the
     * host's: the rule would take the host's loopback). Null where it cannot (no iptables, no NAT): the
     * pod then runs without port forwarding, as it did before.
     */
    static PortForwarder start(AgentClient agent) {
        if (inHostNamespace()) {
            Log.warn("no port forwarding into the VM: the shim is in the host's network namespace");
            return null;
        }
        LoopbackTcp.Listener listener;
        try {
            listener = LoopbackTcp.listen(MAX_CONNECTIONS);
        } catch (IOException e) {
            Log.warn("no port forwarding into the VM: " + e.getMessage());
            return null;
        }
        PortForwarder f = new PortForwarder(listener, agent);
        // The rule costs an iptables process (~5 ms): off the create's path. Until it is in, a connection is
        // refused as before; nothing dials the pod before its containers start.
        Thread.ofPlatform().daemon().name("hull-forward").start(() -> {
            if (f.addRule()) {
                f.acceptLoop();
            }
        });
        return f;
    }

    private synchronized boolean addRule() {
        if (stopped) {
            return false;
        }
        try {
            tool.run(rule("-A"));
            ruleAdded = true;
            return true;
        } catch (NetException e) {
            Log.warn("no port forwarding into the VM: " + e.getMessage());
            return false;
        }
    }

    /** The caller said the namespace is the container's; a rule in the host's would take its loopback. */
    private static boolean inHostNamespace() {
        return new LiveNetns().isHosts(Path.of("/proc/thread-self/ns/net"));
    }

    /**
     * Every TCP connection made in the namespace to 127.0.0.1, except to the listener's own port (which
     * the guest's same port therefore cannot be reached at), goes to the listener.
     */
    private String[] rule(String action) {
        String port = Integer.toString(listener.port());
        return List.of("iptables", "-w", "5", "-t", "nat", action, "OUTPUT", "-d", "127.0.0.1/32", "-p", "tcp",
                "!", "--dport", port, "-j", "REDIRECT", "--to-ports", port).toArray(String[]::new);
    }

    private void acceptLoop() {
        while (!stopped) {
            int fd;
            try {
                fd = LoopbackTcp.accept(listener.fd());
            } catch (IOException e) {
                if (!stopped) {
                    Log.warn("port forwarding stopped: " + e.getMessage());
                }
                return;
            }
            int port = LoopbackTcp.originalPort(fd);
            if (port < 0 || stopped || open.size() >= MAX_CONNECTIONS) {
                // Dialled directly, not redirected: nothing says where to; or too many at once.
                LoopbackTcp.reset(fd);
                LoopbackTcp.close(fd);
                continue;
            }
            Socket socket = new Socket(fd);
            open.add(socket);
            Thread.ofPlatform().daemon().name("hull-forward-" + port).start(() -> relay(socket, port));
        }
    }

    /**
     * One connection: its bytes to the guest on this thread, the guest's back on the agent's relay
     * thread. Either side's end-of-file is passed on as a half close, as over TCP. The buffers are the
     * garbage collector's: a guest that never ends a stream keeps its relay, which may still write.
     */
    private void relay(Socket socket, int port) {
        Arena arena = Arena.ofAuto();
        try {
            ProcessStreams streams;
            try {
                streams = agent.forward(port, new Sink(socket, arena), CONNECT);
            } catch (AgentException e) {
                // Nothing listens there (or too many are open): the client sees a reset, as near to a
                // refused connect as a connection already accepted can come.
                Log.debug("port forward to " + port + ": " + e.getMessage());
                socket.reset();
                return;
            } catch (IOException | TimeoutException e) {
                Log.warn("port forward to " + port + ": " + e.getMessage());
                return;
            }
            streams.outputDone().whenComplete((v, e) -> socket.shutdownOutput());
            pump(socket.fd, arena, streams);
            streams.outputDone().join();
            agent.forget(streams);
        } finally {
            open.remove(socket);
            socket.close();
        }
    }

    /** The client's bytes to the guest until its end-of-file, then CLOSE: the server reads its end. */
    private void pump(int fd, Arena arena, ProcessStreams streams) {
        MemorySegment state = LoopbackTcp.callState(arena);
        MemorySegment buf = arena.allocate(BUFFER);
        try (var in = streams.stdin()) {
            while (true) {
                int n = LoopbackTcp.recv(fd, state, buf);
                if (n == 0) {
                    return;
                }
                in.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            }
        } catch (IOException e) {
            // The client reset the connection: nobody reads the server's side any more, so the agent stops
            // reading it too (and answers with CLOSE, which ends the relay).
            try {
                agent.send(Frame.close(streams.wire().stdout()));
            } catch (IOException ignored) {
                // The connection to the agent is gone: its streams have ended.
            }
        }
    }

    /** The accepted fd: its half close (from the agent's relay thread) never lands on a reused number. */
    private static final class Socket {
        private final int fd;
        private boolean closed;

        Socket(int fd) {
            this.fd = fd;
        }

        synchronized void shutdownOutput() {
            if (!closed) {
                LoopbackTcp.shutdown(fd, false);
            }
        }

        synchronized void shutdownBoth() {
            if (!closed) {
                LoopbackTcp.shutdown(fd, true);
            }
        }

        synchronized void reset() {
            if (!closed) {
                LoopbackTcp.reset(fd);
            }
            close();
        }

        synchronized void close() {
            if (!closed) {
                closed = true;
                LoopbackTcp.close(fd);
            }
        }
    }

    /** The server's bytes to the client; a client that is gone makes them be dropped (and credited). */
    private static final class Sink extends OutputStream {
        private final Socket socket;
        private final MemorySegment state;
        private final MemorySegment buf;

        Sink(Socket socket, Arena arena) {
            this.socket = socket;
            this.state = LoopbackTcp.callState(arena);
            this.buf = arena.allocate(BUFFER);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, BUFFER);
                MemorySegment.copy(b, off, buf, ValueLayout.JAVA_BYTE, 0, n);
                LoopbackTcp.sendAll(socket.fd, state, buf, n);
                off += n;
                len -= n;
            }
        }
    }

    /** Stops accepting, ends the connections still open and removes the rule. */
    void stop() {
        synchronized (this) {
            stopped = true;
        }
        LoopbackTcp.shutdown(listener.fd(), true);
        open.forEach(Socket::shutdownBoth);
        synchronized (this) {
            if (ruleAdded) {
                try {
                    tool.run(rule("-D"));
                } catch (NetException e) {
                    Log.debug("port forwarding rule: " + e.getMessage());
                }
            }
        }
        LoopbackTcp.close(listener.fd());
    }
}
