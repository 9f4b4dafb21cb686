package dev.hull.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.oci.JsonText;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * state.json through Jackson's tree model. Binding the record instead made every verb that reads a
 * container (start, state, kill, delete, exec: a manager makes several per container) pay ~40 ms of
 * Jackson's introspection in its fresh JVM; the tree costs ~7 ms. Unknown fields are ignored, a
 * missing one reads as absent (null, 0), so older and newer Hulls read each other's files.
 */
final class StateJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StateJson() {
    }

    static byte[] write(ContainerState s) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        JsonText.put(n, "ociVersion", s.ociVersion());
        JsonText.put(n, "id", s.id());
        JsonText.put(n, "status", s.status() == null ? null : s.status().json());
        n.put("pid", s.pid());
        JsonText.put(n, "bundle", s.bundle());
        JsonText.put(n, "rootfs", s.rootfs());
        JsonText.put(n, "created", s.created());
        n.put("owner", s.owner());
        if (s.annotations() != null) {
            ObjectNode a = n.putObject("annotations");
            s.annotations().forEach(a::put);
        }
        n.put("shimStarted", s.shimStarted());
        n.put("qemuPid", s.qemuPid());
        JsonText.put(n, "runDir", s.runDir());
        if (s.exitCode() != null) {
            n.put("exitCode", s.exitCode());
        }
        ContainerState.VmInfo vm = s.vm();
        if (vm != null) {
            ObjectNode v = n.putObject("vm");
            JsonText.put(v, "hypervisor", vm.hypervisor());
            JsonText.put(v, "kernel", vm.kernel());
            JsonText.put(v, "initrd", vm.initrd());
            JsonText.put(v, "image", vm.image());
            v.put("memoryMiB", vm.memoryMiB());
            v.put("cpus", vm.cpus());
            JsonText.put(v, "accel", vm.accel());
            JsonText.put(v, "share", vm.share());
        }
        return JSON.writeValueAsBytes(n);
    }

    static ContainerState read(byte[] json) throws IOException {
        JsonNode n = JSON.readTree(json);
        if (n == null || !n.isObject()) {
            throw new IOException("state.json is not a JSON object");
        }
        String status = JsonText.get(n, "status");
        Map<String, String> annotations = null;
        if (n.get("annotations") instanceof ObjectNode a) {
            annotations = new LinkedHashMap<>();
            for (var e : a.properties()) {
                annotations.put(e.getKey(), e.getValue().asText());
            }
        }
        JsonNode v = n.get("vm");
        ContainerState.VmInfo vm = v == null || !v.isObject() ? null
                : new ContainerState.VmInfo(JsonText.get(v, "hypervisor"), JsonText.get(v, "kernel"),
                        JsonText.get(v, "initrd"), JsonText.get(v, "image"), v.path("memoryMiB").asInt(),
                        v.path("cpus").asInt(), JsonText.get(v, "accel"),
                        // Files without it were written by Hulls that shared the root only over 9p.
                        v.has("share") ? JsonText.get(v, "share") : "9p");
        JsonNode exit = n.get("exitCode");
        return new ContainerState(JsonText.get(n, "ociVersion"), JsonText.get(n, "id"),
                status == null ? null : Status.valueOf(status.toUpperCase(Locale.ROOT)), n.path("pid").asLong(),
                JsonText.get(n, "bundle"), JsonText.get(n, "rootfs"), JsonText.get(n, "created"),
                n.path("owner").asInt(), annotations,
                n.path("shimStarted").asLong(), n.path("qemuPid").asLong(), JsonText.get(n, "runDir"),
                exit == null || exit.isNull() ? null : exit.asInt(), vm);
    }
}
