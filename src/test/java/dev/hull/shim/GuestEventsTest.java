package dev.hull.shim;

import dev.hull.logging.Log;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/** What the guest sends unasked is bounded (shim.sock's lines: SocketLinesTest). */
class GuestEventsTest {
    @TempDir
    Path dir;

    @Test
    void aFloodOfEventsIsCutShortAndLimitedInRate() throws Exception {
        Path log = dir.resolve("log");
        Log.configure(log, Log.Format.TEXT, false, List.of());
        try {
            AtomicInteger ended = new AtomicInteger();
            GuestEvents events = new GuestEvents("c", ended::incrementAndGet);
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                events.on(null, "{\"event\":\"error\",\"message\":\"" + "x".repeat(100_000) + "\u001b[2J\"}", false);
            }
            // The bound is per calendar second, and each second that dropped events adds one line saying how
            // many: the run touched at most (its length + 2) seconds; a loaded machine may take several.
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L + 2;
            List<String> lines = Files.readAllLines(log);
            assertThat(lines.size()).isBetween(1, (int) Math.min(1000, seconds * (GuestEvents.PER_SECOND + 1)));
            assertThat(lines).allMatch(l -> l.length() < 2 * GuestEvents.MAX_LOGGED);
            assertThat(ended).as("a thousand useless events is no flood yet").hasValue(0);
            // Past FLOOD in a second (unless the second turned meanwhile: then the next batch does it).
            for (int i = 0; i < 3 * GuestEvents.FLOOD && ended.get() == 0; i++) {
                events.on(null, "{\"event\":\"error\",\"message\":\"x\"}", false);
            }
            assertThat(ended).as("the guest is ended once").hasValue(1);
            // A DNS query the container did not ask to relay goes nowhere (the agent is null here).
            events.on(null, "{\"event\":\"dns\",\"id\":1,\"query\":\"AAAA\"}", false);
        } finally {
            Log.configure(null, Log.Format.TEXT, false, List.of());
        }
        assertThat(GuestEvents.printable("a\u001b[31mb")).isEqualTo("a\\x1b[31mb");
    }
}
