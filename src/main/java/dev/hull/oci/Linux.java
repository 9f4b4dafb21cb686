package dev.hull.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of config.json's {@code linux} object Hull reads here: which namespaces the container gets,
 * and the sysctls to set in them.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Linux(List<Namespace> namespaces, Map<String, String> sysctl) {
    public Linux {
        namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
        sysctl = sysctl == null ? Map.of() : Map.copyOf(sysctl);
    }

    /** A namespace entry: {@code path} names an existing one to join; without it the runtime makes one. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Namespace(String type, String path) {
    }

    public Optional<Namespace> namespace(String type) {
        return namespaces.stream().filter(n -> type.equals(n.type())).findFirst();
    }
}
