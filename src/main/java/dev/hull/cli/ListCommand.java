package dev.hull.cli;

import dev.hull.error.BadInputException;
import dev.hull.json.JsonValues;
import dev.hull.logging.Log;
import dev.hull.state.ContainerState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

final class ListCommand implements Callable<Integer> {
    private final Main global;
    private final boolean quiet;
    private final String format;
    private final boolean all;

    static Syntax syntax() {
        return Syntax.command("list", "List containers.").aliases("ls")
                .flag("print ids only", "-q", "--quiet")
                .option(String.class, "FORMAT", "table or json (default: table)", "-f", "--format")
                .flag("add each container's pod (the container whose VM it runs in) and that VM's hypervisor, kernel,"
                        + " image, memory, cpus, qemu pid and whether it was booted or cloned from a template", "-a",
                        "--all");
    }

    ListCommand(Main global, Parsed args) {
        this.global = global;
        this.quiet = args.flag("--quiet");
        this.format = args.value("--format", "table");
        this.all = args.flag("--all");
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        if (!format.equals("table") && !format.equals("json")) {
            throw new BadInputException("unknown --format '" + format + "': use table or json");
        }
        List<ContainerState> states = global.store().list(problem -> {
            Log.warn(problem);
            System.err.println("hull: skipping a container: " + problem);
        });
        if (quiet) {
            states.forEach(s -> System.out.println(s.id()));
            return 0;
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, ContainerState> byId = new LinkedHashMap<>();
        states.forEach(s -> byId.put(s.id(), s));
        for (ContainerState s : states) {
            Map<String, Object> row = StateCommand.ociState(s, global.store().dir(s.id()));
            if (all) {
                // A member has no qemu of its own: its pod's is its VM.
                ContainerState owner = s.member() ? byId.getOrDefault(s.vm().pod(), s) : s;
                row.put("vm", vm(s, owner.qemuPid()));
            }
            rows.add(row);
        }
        if (format.equals("json")) {
            // runc prints null, not [], when there are no containers.
            System.out.println(rows.isEmpty() ? "null" : JsonValues.write(rows, true));
            return 0;
        }
        printTable(rows);
        return 0;
    }

    private static Map<String, Object> vm(ContainerState s, long qemuPid) {
        Map<String, Object> m = new LinkedHashMap<>();
        var vm = s.vm();
        m.put("hypervisor", vm == null ? null : vm.hypervisor());
        m.put("kernel", vm == null ? null : vm.kernel());
        m.put("initrd", vm == null ? null : vm.initrd());
        m.put("image", vm == null ? null : vm.image());
        m.put("memoryMiB", vm == null ? null : vm.memoryMiB());
        m.put("cpus", vm == null ? null : vm.cpus());
        m.put("accel", vm == null ? null : vm.accel());
        m.put("share", vm == null ? null : vm.share());
        m.put("pod", vm == null ? null : vm.pod());
        m.put("template", vm == null ? null : vm.template());
        m.put("qemuPid", qemuPid);
        return m;
    }

    private void printTable(List<Map<String, Object>> rows) {
        List<String> cols = new ArrayList<>(List.of("ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"));
        if (all) {
            cols.addAll(List.of("POD", "HYPERVISOR", "KERNEL", "IMAGE", "MEMORY", "CPUS", "QEMU PID", "STARTED"));
        }
        List<List<String>> cells = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            List<String> line = new ArrayList<>(List.of(str(r.get("id")), str(r.get("pid")), str(r.get("status")),
                    str(r.get("bundle")), str(r.get("created")), str(r.get("owner"))));
            if (all) {
                @SuppressWarnings("unchecked")
                Map<String, Object> vm = (Map<String, Object>) r.get("vm");
                line.addAll(List.of(str(vm.get("pod")), str(vm.get("hypervisor")), str(vm.get("kernel")),
                        str(vm.get("image")), str(vm.get("memoryMiB")) + "M", str(vm.get("cpus")),
                        str(vm.get("qemuPid")), vm.get("template") == null ? "booted" : "cloned"));
            }
            cells.add(line);
        }
        int[] width = new int[cols.size()];
        for (int i = 0; i < cols.size(); i++) {
            width[i] = cols.get(i).length();
            for (List<String> line : cells) {
                width[i] = Math.max(width[i], line.get(i).length());
            }
        }
        System.out.println(format(cols, width));
        cells.forEach(line -> System.out.println(format(line, width)));
    }

    private static String format(List<String> line, int[] width) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < line.size(); i++) {
            sb.append(i == line.size() - 1 ? line.get(i) : String.format("%-" + (width[i] + 3) + "s", line.get(i)));
        }
        return sb.toString();
    }

    private static String str(Object o) {
        return o == null ? "-" : o.toString();
    }
}
