package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.agent.AgentClient;
import dev.hull.agent.Request;
import dev.hull.logging.Log;
import dev.hull.oci.Mount;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The host's half of the agent's DNS relay (docs/agent-protocol.md, {@code dns}). docker's user-defined
 * networks resolve names at 127.0.0.11, which dockerd serves from inside the container's network
 * namespace through DNAT rules of that namespace; the guest's 127.0.0.11 is its own loopback. The
 * agent listens there and hands each query over; this process lives in the namespace, so a datagram
 * it sends to 127.0.0.11:53 reaches dockerd, and the answer goes back to the agent.
 */
final class DnsRelay {
    static final String ADDRESS = "127.0.0.11";
    private static final Duration ANSWER = Duration.ofSeconds(5);
    /**
     * Queries waiting for the one being answered; more are dropped (the guest's resolver retries), so a
     * guest that floods queries holds a bounded queue, not the shim's heap.
     */
    private static final int QUEUED = 64;
    /**
     * One query at a time, in the order they came: a resolver sends A and AAAA together and may take
     * answers in that order (as the server itself gives them); relayed concurrently they can cross.
     */
    private static final ExecutorService IN_ORDER = new ThreadPoolExecutor(
            1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED),
            Thread.ofVirtual().name("hull-dns").factory(), new ThreadPoolExecutor.DiscardPolicy());

    private DnsRelay() {
    }

    /** Whether the container's /etc/resolv.conf (a manager's bind mount) names 127.0.0.11. */
    static boolean wanted(List<Mount> mounts) {
        for (Mount m : mounts) {
            if ("/etc/resolv.conf".equals(m.destination()) && m.source() != null) {
                try {
                    return Files.readAllLines(Path.of(m.source())).stream()
                            .anyMatch(l -> l.strip().matches("nameserver\\s+" + ADDRESS.replace(".", "\\.")));
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return false;
    }

    /** Answers one {@code dns} event off the agent's reader thread, after the ones before it. */
    static void relay(AgentClient agent, JsonNode event) {
        long query = event.path("id").asLong();
        byte[] question = Base64.getDecoder().decode(event.path("query").asText());
        IN_ORDER.execute(() -> {
            try (DatagramSocket socket = new DatagramSocket()) {
                socket.setSoTimeout((int) ANSWER.toMillis());
                socket.connect(new InetSocketAddress(ADDRESS, 53));
                socket.send(new DatagramPacket(question, question.length));
                DatagramPacket answer = new DatagramPacket(new byte[4096], 4096);
                socket.receive(answer);
                byte[] bytes = Arrays.copyOf(answer.getData(), answer.getLength());
                agent.dnsAnswer(new Request.Dns(query, Base64.getEncoder().encodeToString(bytes)), ANSWER);
            } catch (IOException | TimeoutException e) {
                // No answer: the resolver in the guest times out and retries, as it would anyway.
                Log.debug("dns query " + query + ": " + e.getMessage());
            }
        });
    }
}
