package dev.hull.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.core.Verb;
import dev.hull.error.HullException;
import dev.hull.shim.ShimRequest;
import dev.hull.state.ContainerState;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;

final class EventsCommand implements Callable<Integer> {
    /** How often an OOM kill is looked for, whatever the interval. */
    private static final Duration OOM_POLL = Duration.ofSeconds(1);

    private final Main global;
    private final boolean once;
    private final String interval;
    private final String id;

    static Syntax syntax() {
        return Syntax.command("events",
                "Print a container's resource usage and OOM kills as runc's event JSON.")
                .flag("print the statistics once and exit", "--stats")
                .option(String.class, "DURATION", "time between events (default: 5s)", "--interval")
                .id();
    }

    EventsCommand(Main global, Parsed args) {
        this.global = global;
        this.once = args.flag("--stats");
        this.interval = args.value("--interval", "5s");
        this.id = args.id();
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        Duration every = Durations.parse(interval);
        Lifecycle life = new Lifecycle(global);
        // An OOM kill is looked for at least every second, as runc's events prints one when it happens;
        // the statistics come every interval.
        Duration tick = every.compareTo(OOM_POLL) < 0 ? every : OOM_POLL;
        long oomKills = -1;
        long nextStats = System.nanoTime();
        while (true) {
            JsonNode stats;
            try {
                stats = life.ask(id, Verb.STATS, new ShimRequest.Stats(), false);
            } catch (HullException | IOException e) {
                ContainerState st = global.store().read(id);
                if (!once && !st.effectiveStatus().isLive()) {
                    return 0; // the stream ends with the container
                }
                throw e;
            }
            if (once) {
                print(event(stats));
                return 0;
            }
            // The guest's OOM killer counts its kills in the container's cgroup (memory.events, read by the
            // agent): each one since this stream began is runc's {"type":"oom","id":...}.
            long kills = stats.at("/memory/oomKills").asLong();
            for (long k = Math.max(oomKills, 0); oomKills >= 0 && k < kills; k++) {
                print(Output.JSON.createObjectNode().put("type", "oom").put("id", id));
            }
            oomKills = Math.max(oomKills, kills);
            if (System.nanoTime() - nextStats >= 0) {
                print(event(stats));
                nextStats = System.nanoTime() + every.toNanos();
            }
            Thread.sleep(tick);
        }
    }

    private static void print(ObjectNode event) throws IOException {
        System.out.println(Output.JSON.writer().withoutFeatures(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(event));
        System.out.flush();
    }

    /** runc's {"type":"stats","id":...,"data":{cpu, memory, pids}} shape. */
    private ObjectNode event(JsonNode s) {
        ObjectNode e = Output.JSON.createObjectNode();
        e.put("type", "stats");
        e.put("id", id);
        ObjectNode data = e.putObject("data");
        data.putObject("cpu").putObject("usage")
                .put("total", s.at("/cpu/usageUsec").asLong() * 1000)
                .put("user", s.at("/cpu/userUsec").asLong() * 1000)
                .put("kernel", s.at("/cpu/systemUsec").asLong() * 1000);
        data.putObject("memory").putObject("usage")
                .put("usage", s.at("/memory/usage").asLong())
                .put("limit", s.at("/memory/limit").asLong());
        data.putObject("pids").put("current", s.at("/pids/current").asLong())
                .put("limit", s.at("/pids/limit").asLong());
        return e;
    }
}
