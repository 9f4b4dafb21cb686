package dev.hull.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** The OCI hooks of config.json: programs run on the host at points of the container's life. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Hooks(List<Hook> prestart, List<Hook> createRuntime, List<Hook> createContainer,
        List<Hook> startContainer, List<Hook> poststart, List<Hook> poststop) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Hook(String path, List<String> args, List<String> env, Integer timeout) {
    }

    public static List<Hook> orEmpty(List<Hook> hooks) {
        return hooks == null ? List.of() : hooks;
    }
}
