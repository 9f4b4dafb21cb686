package dev.hull.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Optional;

/** The part of config.json's {@code linux} object Hull reads here: which namespaces the container gets. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Linux(List<Namespace> namespaces) {
    public Linux {
        namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    }

    /** A namespace entry: {@code path} names an existing one to join; without it the runtime makes one. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Namespace(String type, String path) {
    }

    public Optional<Namespace> namespace(String type) {
        return namespaces.stream().filter(n -> type.equals(n.type())).findFirst();
    }
}
