package dev.hull.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hull.error.BadInputException;
import dev.hull.logging.Log;
import dev.hull.shim.ShimRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

final class PsCommand implements Callable<Integer> {
    private final Main global;
    private final String format;
    private final String id;

    static Syntax syntax() {
        return Syntax.command("ps", "List the processes of a container (pids as the guest sees them).")
                .option(String.class, "FORMAT", "table or json (default: table)", "-f", "--format")
                .id();
    }

    PsCommand(Main global, Parsed args) {
        this.global = global;
        this.format = args.value("--format", "table");
        this.id = args.id();
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        if (!format.equals("table") && !format.equals("json")) {
            throw new BadInputException("unknown --format '" + format + "': use table or json");
        }
        JsonNode processes = new Lifecycle(global).ask(id, new ShimRequest.Ps(), false);
        if (format.equals("json")) {
            // runc prints an array of pids.
            List<Integer> pids = new ArrayList<>();
            processes.forEach(p -> pids.add(p.get("pid").asInt()));
            System.out.println(Output.JSON.writer().withoutFeatures(
                    SerializationFeature.INDENT_OUTPUT).writeValueAsString(pids));
            return 0;
        }
        System.out.printf("%-8s %-8s %-8s %s%n", "UID", "PID", "PPID", "CMD");
        processes.forEach(p -> System.out.printf("%-8d %-8d %-8d %s%n", p.get("uid").asInt(), p.get("pid").asInt(),
                p.get("ppid").asInt(), Log.printable(p.get("cmd").asText())));
        return 0;
    }
}
