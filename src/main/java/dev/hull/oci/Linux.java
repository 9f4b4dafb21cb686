package dev.hull.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of config.json's {@code linux} object Hull reads here: which namespaces the container gets,
 * the sysctls to set in them, and {@code guest}: the parts the agent applies inside the VM, as config.json
 * has them (seccomp, masked and read-only paths, devices, resources, propagation, id mappings), or null;
 * {@code cgroupsPath}: the container's cgroup on the host, where the VM's processes go (null: runc's /ID).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Linux(List<Namespace> namespaces, Map<String, String> sysctl, JsonNode guest, String cgroupsPath) {
    /** The fields of {@code linux} that go to the agent unchanged (docs/agent-protocol.md, create). */
    public static final List<String> GUEST_FIELDS = List.of("seccomp", "maskedPaths", "readonlyPaths", "devices",
            "resources", "rootfsPropagation", "uidMappings", "gidMappings", "namespaces");

    public Linux {
        namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
        sysctl = sysctl == null ? Map.of() : Map.copyOf(sysctl);
    }

    public Linux(List<Namespace> namespaces, Map<String, String> sysctl) {
        this(namespaces, sysctl, null, null);
    }

    /** A namespace entry: {@code path} names an existing one to join; without it the runtime makes one. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Namespace(String type, String path) {
    }

    public Optional<Namespace> namespace(String type) {
        return namespaces.stream().filter(n -> type.equals(n.type())).findFirst();
    }
}
