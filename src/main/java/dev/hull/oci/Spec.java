package dev.hull.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;

/** The parts of an OCI bundle's config.json that Hull acts on; everything else is ignored. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Spec(
        String ociVersion,
        Process process,
        Root root,
        String hostname,
        List<Mount> mounts,
        Map<String, String> annotations,
        VmSection vm,
        Hooks hooks,
        Linux linux) {

    public Spec {
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        hooks = hooks == null ? new Hooks(null, null, null, null, null, null) : hooks;
        linux = linux == null ? new Linux(null, null) : linux;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Root(String path, boolean readonly) {
    }
}
