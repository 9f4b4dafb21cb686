package dev.hull.state;

import dev.hull.oci.JsonValues;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * state.json through Jackson's streaming parser and generator ({@link JsonValues}). Every verb that reads a
 * container (start, state, kill, delete, exec: a manager makes several per container) reads it in a fresh
 * JVM: binding the record cost ~40 ms of Jackson's introspection, the tree model ~26 ms for its first
 * ObjectMapper, the streaming parser ~7 ms. Unknown fields are ignored, a missing one reads as absent
 * (null, 0), so older and newer Hulls read each other's files.
 */
final class StateJson {
    private StateJson() {
    }

    static byte[] write(ContainerState s) throws IOException {
        Map<String, Object> n = new LinkedHashMap<>();
        JsonValues.putText(n, "ociVersion", s.ociVersion());
        JsonValues.putText(n, "id", s.id());
        JsonValues.putText(n, "status", s.status() == null ? null : s.status().json());
        n.put("pid", s.pid());
        JsonValues.putText(n, "bundle", s.bundle());
        JsonValues.putText(n, "rootfs", s.rootfs());
        JsonValues.putText(n, "created", s.created());
        n.put("owner", s.owner());
        if (s.annotations() != null) {
            n.put("annotations", s.annotations());
        }
        n.put("shimStarted", s.shimStarted());
        n.put("qemuPid", s.qemuPid());
        JsonValues.putText(n, "runDir", s.runDir());
        if (s.exitCode() != null) {
            n.put("exitCode", s.exitCode());
        }
        ContainerState.VmInfo vm = s.vm();
        if (vm != null) {
            Map<String, Object> v = new LinkedHashMap<>();
            JsonValues.putText(v, "hypervisor", vm.hypervisor());
            JsonValues.putText(v, "kernel", vm.kernel());
            JsonValues.putText(v, "initrd", vm.initrd());
            JsonValues.putText(v, "image", vm.image());
            v.put("memoryMiB", vm.memoryMiB());
            v.put("cpus", vm.cpus());
            JsonValues.putText(v, "accel", vm.accel());
            JsonValues.putText(v, "share", vm.share());
            JsonValues.putText(v, "pod", vm.pod());
            n.put("vm", v);
        }
        return JsonValues.write(n, false).getBytes(StandardCharsets.UTF_8);
    }

    static ContainerState read(byte[] json) throws IOException {
        Map<String, Object> n = JsonValues.object(json, "state.json");
        String status = JsonValues.text(n, "status");
        Map<String, String> annotations = null;
        Map<String, Object> a = JsonValues.child(n, "annotations");
        if (a != null) {
            annotations = new LinkedHashMap<>();
            for (var e : a.entrySet()) {
                annotations.put(e.getKey(), e.getValue() == null ? "null" : e.getValue().toString());
            }
        }
        Map<String, Object> v = JsonValues.child(n, "vm");
        ContainerState.VmInfo vm = v == null ? null
                : new ContainerState.VmInfo(JsonValues.text(v, "hypervisor"), JsonValues.text(v, "kernel"),
                        JsonValues.text(v, "initrd"), JsonValues.text(v, "image"),
                        (int) JsonValues.number(v, "memoryMiB"), (int) JsonValues.number(v, "cpus"),
                        JsonValues.text(v, "accel"),
                        // Files without it were written by Hulls that shared the root only over 9p.
                        v.containsKey("share") ? JsonValues.text(v, "share") : "9p", JsonValues.text(v, "pod"));
        return new ContainerState(JsonValues.text(n, "ociVersion"), JsonValues.text(n, "id"),
                status == null ? null : Status.valueOf(status.toUpperCase(Locale.ROOT)), JsonValues.number(n, "pid"),
                JsonValues.text(n, "bundle"), JsonValues.text(n, "rootfs"), JsonValues.text(n, "created"),
                (int) JsonValues.number(n, "owner"), annotations, JsonValues.number(n, "shimStarted"),
                JsonValues.number(n, "qemuPid"), JsonValues.text(n, "runDir"),
                n.get("exitCode") instanceof Number x ? x.intValue() : null, vm);
    }
}
