package dev.hull.shim;

import dev.hull.agent.AgentClient;
import dev.hull.agent.Request;
import dev.hull.logging.Log;
import dev.hull.net.IpTool;
import dev.hull.net.NetException;
import dev.hull.net.NetNamespace;
import dev.hull.net.Network;
import dev.hull.net.TapMirror;
import dev.hull.vm.Nic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The container's network carried into its VM: read from its namespace once the hooks have run, mirrored
 * onto taps there, given to qemu as NICs and to the agent as interfaces, addresses and routes; the taps
 * and filters removed again when the VM is gone. No namespace, or one with nothing but lo: no NIC.
 */
final class GuestNetwork {
    private static final GuestNetwork NONE = new GuestNetwork(null, new Network(List.of(), List.of()), null, null);

    private final IpTool ip;
    private final Network network;
    private final TapMirror mirror;
    private final Path runDir;
    private boolean tornDown;

    private GuestNetwork(IpTool ip, Network network, TapMirror mirror, Path runDir) {
        this.ip = ip;
        this.network = network;
        this.mirror = mirror;
        this.runDir = runDir;
    }

    /**
     * {@code inNetns}: this process was started inside the namespace (a detached shim). An attached run's
     * process is the CLI's, in the caller's namespace: a namespace to join is entered per command, and a
     * fresh one, which nobody but this process could have populated, is the VM's own network stack.
     * {@code hooked}: createRuntime or prestart hooks ran, the only ones that can have put interfaces into
     * a fresh namespace before the VM boots (ctr and {@code --network none} have none: no scan at all).
     */
    static GuestNetwork setUp(NetNamespace ns, boolean inNetns, boolean hooked, Path runDir) throws NetException {
        IpTool ip = switch (ns.kind()) {
            case HOST -> null;
            case NEW -> inNetns && hooked ? new IpTool(null) : null;
            case JOIN -> new IpTool(inNetns ? null : ns.path());
        };
        if (ip == null) {
            return NONE;
        }
        long t0 = System.nanoTime();
        Network network = Network.scan(ip);
        if (!network.hullTaps().isEmpty()) {
            throw new NetException("the network namespace " + (ns.path() == null ? "" : ns.path() + ": ")
                    + Network.carriedElsewhere(network.hullTaps()));
        }
        if (network.isEmpty()) {
            Log.debug("no interfaces besides lo in the container's network namespace: no NIC");
            return NONE;
        }
        TapMirror mirror = TapMirror.create(ip, ns.kind() == NetNamespace.Kind.JOIN ? ns.path() : null,
                network, runDir);
        Log.debug("mirrored " + network.links() + " onto " + mirror.taps() + " in "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        return new GuestNetwork(ip, network, mirror, runDir);
    }

    List<Nic> nics(String accel) {
        if (mirror == null) {
            return List.of();
        }
        boolean vhost = "kvm".equals(accel) && Files.exists(Path.of("/dev/vhost-net"));
        List<Nic> nics = new ArrayList<>();
        for (int i = 0; i < network.links().size(); i++) {
            nics.add(new Nic("net" + i, mirror.taps().get(i), network.links().get(i).mac(), vhost));
        }
        return nics;
    }

    /** What qemu is started through so that it opens the taps in their namespace. */
    List<String> qemuPrefix() {
        return ip == null ? List.of() : ip.command(List.of());
    }

    /**
     * Gives the guest the interfaces' names, MTUs, addresses and routes, and with {@code dnsRelay} has the
     * agent relay that DNS address to this process (see DnsRelay).
     */
    void configureGuest(AgentClient agent, Duration timeout, String dnsRelay) throws IOException, TimeoutException {
        if (mirror != null) {
            agent.network(new Request.Network(network.links(), network.routes(), dnsRelay), timeout);
        }
    }

    /** Removes the taps and filters (once; the VM must be gone). */
    synchronized void tearDown() {
        if (mirror == null || tornDown) {
            return;
        }
        tornDown = true;
        mirror.remove(ip);
        TapMirror.forget(runDir);
    }
}
