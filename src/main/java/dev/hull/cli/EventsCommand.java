package dev.hull.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.shim.ShimRequest;
import dev.hull.state.ContainerState;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "events", mixinStandardHelpOptions = true,
        description = "Print a container's resource usage as runc's event JSON, once or every interval.")
final class EventsCommand implements Callable<Integer> {
    @ParentCommand
    Main global;

    @Option(names = "--stats", description = "print the statistics once and exit")
    boolean once;

    @Option(names = "--interval", description = "time between events (default: ${DEFAULT-VALUE})",
            paramLabel = "DURATION")
    String interval = "5s";

    @Parameters(index = "0", paramLabel = "ID", description = "container id")
    String id;

    @Override
    public Integer call() throws Exception {
        global.init();
        Duration every = Durations.parse(interval);
        Lifecycle life = new Lifecycle(global);
        while (true) {
            JsonNode stats;
            try {
                stats = life.ask(id, new ShimRequest.Stats(), false);
            } catch (HullException | IOException e) {
                ContainerState st = life.read(id);
                if (!once && !st.effectiveStatus().isLive()) {
                    return 0; // the stream ends with the container
                }
                throw e;
            }
            System.out.println(StateCommand.JSON.writer().withoutFeatures(
                    com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(event(stats)));
            System.out.flush();
            if (once) {
                return 0;
            }
            Thread.sleep(every);
        }
    }

    /** runc's {"type":"stats","id":...,"data":{cpu, memory, pids}} shape. */
    private ObjectNode event(JsonNode s) {
        ObjectNode e = StateCommand.JSON.createObjectNode();
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
        data.putObject("pids").put("current", s.at("/pids/current").asLong()).put("limit", s.at("/pids/limit").asLong());
        return e;
    }
}
