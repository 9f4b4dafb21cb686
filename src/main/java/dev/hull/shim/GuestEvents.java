package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.agent.AgentClient;
import dev.hull.json.JsonValues;
import dev.hull.logging.Log;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Events the guest sends unasked (docs/agent-protocol.md): DNS queries to relay, errors to log. The
 * guest is untrusted: a query is relayed only when this container asked for the relay, and what is
 * logged is cut short and limited in rate, so a guest cannot fill the host's logs.
 */
final class GuestEvents {
    /** Characters of one event that reach the log. */
    static final int MAX_LOGGED = 300;
    /** Events logged a second; the rest are counted and said once. */
    static final int PER_SECOND = 10;
    /**
     * Events of no use to the host in one second past which the guest is taken for hostile: Hull's agent
     * sends an error event per frame it could not use, a handful at most.
     */
    static final int FLOOD = 1000;

    private final String id;
    private final Runnable onFlood;
    private long second;
    private int logged;
    private long dropped;
    private boolean flooded;

    /** {@code onFlood}: what ends a guest that floods the host with events (once). */
    GuestEvents(String id, Runnable onFlood) {
        this.id = id;
        this.onFlood = onFlood;
    }

    void on(AgentClient agent, String event, boolean dnsRelay) {
        try {
            JsonNode e = JsonValues.tree(event.getBytes(StandardCharsets.UTF_8));
            if (e != null && "dns".equals(e.path("event").asText())) {
                if (dnsRelay) {
                    DnsRelay.relay(agent, e);
                } else {
                    log("a DNS query although no relay was asked for");
                }
                return;
            }
        } catch (IOException | RuntimeException ignored) {
            // Not JSON, or not a query we can use: said as it came, cut short.
        }
        log(event);
    }

    synchronized void log(String event) {
        long now = System.currentTimeMillis() / 1000;
        if (now != second) {
            if (dropped > 0) {
                Log.warn("agent of " + id + ": " + dropped + " more events not logged");
            }
            second = now;
            logged = 0;
            dropped = 0;
        }
        if (logged++ >= PER_SECOND) {
            dropped++;
            if (dropped > FLOOD && !flooded) {
                flooded = true;
                Log.error("agent of " + id + ": more than " + FLOOD + " useless events in a second; ending its VM");
                onFlood.run();
            }
            return;
        }
        Log.warn("agent of " + id + ": " + printable(event));
    }

    /** At most {@link #MAX_LOGGED} characters, control characters as \xNN. */
    static String printable(String s) {
        return Log.printable(s.length() > MAX_LOGGED ? s.substring(0, MAX_LOGGED) + "… (" + s.length()
                + " characters)" : s);
    }
}
