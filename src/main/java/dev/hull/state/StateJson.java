package dev.hull.state;

import dev.hull.json.JsonText;
import dev.hull.json.JsonValues;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * state.json's codec, through Jackson's streaming parser and generator ({@link JsonValues}). Every verb that
 * reads a container (start, state, kill, delete, exec: a manager makes several per container) reads it in a
 * fresh JVM: binding the record cost ~40 ms of Jackson's introspection, the tree model ~26 ms for its first
 * ObjectMapper, the streaming parser ~7 ms. Null fields are left out; unknown fields are ignored, a missing
 * one reads as absent (null, 0) ({@link JsonText}), so older and newer Hulls read each other's files. The
 * format is pinned by the golden files under {@code src/test/resources/golden/state/}.
 */
final class StateJson {
    private StateJson() {
    }

    static byte[] write(ContainerState s) throws IOException {
        Map<String, Object> n = new LinkedHashMap<>();
        JsonText.put(n, "ociVersion", s.ociVersion());
        JsonText.put(n, "id", s.id());
        JsonText.put(n, "status", s.status() == null ? null : s.status().json());
        n.put("pid", s.pid());
        JsonText.put(n, "bundle", s.bundle());
        JsonText.put(n, "rootfs", s.rootfs());
        JsonText.put(n, "created", s.created());
        n.put("owner", s.owner());
        JsonText.put(n, "annotations", s.annotations());
        n.put("shimStarted", s.shimStarted());
        n.put("qemuPid", s.qemuPid());
        JsonText.put(n, "runDir", s.runDir());
        JsonText.put(n, "exitCode", s.exitCode());
        ContainerState.VmInfo vm = s.vm();
        if (vm != null) {
            Map<String, Object> v = new LinkedHashMap<>();
            JsonText.put(v, "hypervisor", vm.hypervisor());
            JsonText.put(v, "kernel", vm.kernel());
            JsonText.put(v, "initrd", vm.initrd());
            JsonText.put(v, "image", vm.image());
            v.put("memoryMiB", vm.memoryMiB());
            v.put("cpus", vm.cpus());
            JsonText.put(v, "accel", vm.accel());
            JsonText.put(v, "share", vm.share());
            JsonText.put(v, "pod", vm.pod());
            JsonText.put(v, "template", vm.template());
            n.put("vm", v);
        }
        return JsonValues.write(n, false).getBytes(StandardCharsets.UTF_8);
    }

    static ContainerState read(byte[] json) throws IOException {
        Map<String, Object> n = JsonValues.object(json, "state.json");
        String status = JsonText.get(n, "status");
        // Missing, as none: every Hull wrote them (config.json's, or {}), and `state` prints them.
        Map<String, String> annotations = new LinkedHashMap<>();
        Map<String, Object> a = JsonValues.child(n, "annotations");
        if (a != null) {
            for (var e : a.entrySet()) {
                annotations.put(e.getKey(), e.getValue() == null ? "null" : e.getValue().toString());
            }
        }
        Map<String, Object> v = JsonValues.child(n, "vm");
        ContainerState.VmInfo vm = v == null ? null
                : new ContainerState.VmInfo(JsonText.get(v, "hypervisor"), JsonText.get(v, "kernel"),
                        JsonText.get(v, "initrd"), JsonText.get(v, "image"),
                        (int) JsonValues.number(v, "memoryMiB"), (int) JsonValues.number(v, "cpus"),
                        JsonText.get(v, "accel"),
                        // Files without it were written by Hulls that shared the root only over 9p.
                        v.containsKey("share") ? JsonText.get(v, "share") : "9p", JsonText.get(v, "pod"),
                        JsonText.get(v, "template"));
        return new ContainerState(JsonText.get(n, "ociVersion"), JsonText.get(n, "id"),
                status == null ? null : Status.valueOf(status.toUpperCase(Locale.ROOT)), JsonValues.number(n, "pid"),
                JsonText.get(n, "bundle"), JsonText.get(n, "rootfs"), JsonText.get(n, "created"),
                (int) JsonValues.number(n, "owner"), annotations, JsonValues.number(n, "shimStarted"),
                JsonValues.number(n, "qemuPid"), JsonText.get(n, "runDir"),
                n.get("exitCode") instanceof Number x ? x.intValue() : null, vm);
    }
}
