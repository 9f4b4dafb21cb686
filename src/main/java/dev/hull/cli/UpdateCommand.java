package dev.hull.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.core.Verb;
import dev.hull.error.BadInputException;
import dev.hull.error.HullException;
import dev.hull.shim.ShimRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

final class UpdateCommand implements Callable<Integer> {
    private final Main global;
    private final String memory;
    private final Long cpuQuota;
    private final Long cpuPeriod;
    private final Long pidsLimit;
    private final String resources;
    private final String id;

    static Syntax syntax() {
        return Syntax.command("update",
                "Change a running container's resource limits (its cgroup inside the VM).")
                .option(String.class, "N", "memory limit in bytes (suffixes k, m, g)", "--memory")
                .option(Long.class, "N", "CPU CFS quota in microseconds", "--cpu-quota")
                .option(Long.class, "N", "CPU CFS period in microseconds", "--cpu-period")
                .option(Long.class, "N", "maximum number of processes", "--pids-limit")
                .option(String.class, "FILE", "OCI linux.resources JSON file ('-' for stdin)", "-r", "--resources")
                .id();
    }

    UpdateCommand(Main global, Parsed args) {
        this.global = global;
        this.memory = args.value("--memory", null);
        this.cpuQuota = args.value("--cpu-quota", null);
        this.cpuPeriod = args.value("--cpu-period", null);
        this.pidsLimit = args.value("--pids-limit", null);
        this.resources = args.value("--resources", null);
        this.id = args.id();
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        ObjectNode r;
        if (resources != null) {
            JsonNode read = resources.equals("-") ? Output.JSON.readTree(System.in)
                    : Output.JSON.readTree(Files.readString(Path.of(resources)));
            if (!(read instanceof ObjectNode obj)) {
                throw new BadInputException("--resources " + resources + " is not a JSON object");
            }
            r = obj;
        } else {
            r = Output.JSON.createObjectNode();
        }
        if (memory != null) {
            r.putObject("memory").put("limit", bytes(memory));
        }
        if (cpuQuota != null || cpuPeriod != null) {
            ObjectNode cpu = r.putObject("cpu");
            if (cpuQuota != null) {
                cpu.put("quota", cpuQuota);
            }
            if (cpuPeriod != null) {
                cpu.put("period", cpuPeriod);
            }
        }
        if (pidsLimit != null) {
            r.putObject("pids").put("limit", pidsLimit);
        }
        if (r.isEmpty()) {
            throw new BadInputException(
                    "nothing to update: give --memory, --cpu-quota, --cpu-period, --pids-limit or -r");
        }
        new Lifecycle(global).ask(id, Verb.UPDATE, new ShimRequest.Update(r), true);
        return 0;
    }

    static long bytes(String text) throws HullException {
        String t = text.trim().toLowerCase(Locale.ROOT).replaceAll("b$", "");
        long unit = 1;
        if (!t.isEmpty() && "kmg".indexOf(t.charAt(t.length() - 1)) >= 0) {
            unit = 1L << (10 * ("kmg".indexOf(t.charAt(t.length() - 1)) + 1));
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Long.parseLong(t) * unit;
        } catch (NumberFormatException e) {
            throw new BadInputException("invalid size '" + text + "': use bytes, or a number with k, m or g");
        }
    }
}
