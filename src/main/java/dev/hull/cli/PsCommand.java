package dev.hull.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hull.core.Verb;
import dev.hull.error.BadInputException;
import dev.hull.logging.Log;
import dev.hull.shim.ShimRequest;
import dev.hull.state.ContainerState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

final class PsCommand implements Callable<Integer> {
    private final Main global;
    private final String format;
    private final String id;

    static Syntax syntax() {
        return Syntax.command("ps", "List a container's processes: the table the guest's, json the host's pids.")
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
        JsonNode processes = new Lifecycle(global).ask(id, Verb.PS, new ShimRequest.Ps(), false);
        if (format.equals("json")) {
            // runc prints an array of the host's pids (its cgroup's), and managers take them as such: docker
            // top and ctr task ps look each up in the host's /proc. The guest's pids would name unrelated
            // host processes (kernel threads), so these are the host processes that stand for the container.
            List<Long> pids = hostPids(global.store().read(id));
            System.out.println(Output.JSON.writer().withoutFeatures(
                    SerializationFeature.INDENT_OUTPUT).writeValueAsString(pids));
            return 0;
        }
        // The table is for people: the workload's processes, as the guest numbers them.
        System.out.printf("%-8s %-8s %-8s %s%n", "UID", "PID", "PPID", "CMD");
        processes.forEach(p -> System.out.printf("%-8d %-8d %-8d %s%n", p.get("uid").asInt(), p.get("pid").asInt(),
                p.get("ppid").asInt(), Log.printable(p.get("cmd").asText())));
        return 0;
    }

    /**
     * The host processes that are the container's: its pid (the anchor) and its running execs' relays (each
     * the pid an {@code exec -d --pid-file} gave its manager), found by the relay's socket in the container's
     * run folder, which its command line names ({@code exec --relay RUNDIR/exec-*.sock}).
     */
    static List<Long> hostPids(ContainerState st) {
        List<Long> pids = new ArrayList<>();
        if (st.pid() > 0) {
            pids.add(st.pid());
        }
        if (st.runDir() != null) {
            String mine = Path.of(st.runDir()) + "/exec-";
            ProcessHandle.allProcesses()
                    .filter(p -> p.info().arguments().map(a -> isRelayOf(a, mine)).orElse(false))
                    .map(ProcessHandle::pid)
                    .filter(pid -> !pids.contains(pid))
                    .sorted()
                    .forEach(pids::add);
        }
        return pids;
    }

    private static boolean isRelayOf(String[] args, String socketPrefix) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--relay") && args[i + 1].startsWith(socketPrefix)) {
                return true;
            }
        }
        return false;
    }
}
