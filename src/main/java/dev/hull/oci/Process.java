package dev.hull.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Arrays;
import java.util.List;

/** The OCI runtime-spec {@code process} object: what runs in the container. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Process(
        boolean terminal,
        ConsoleSize consoleSize,
        User user,
        List<String> args,
        List<String> env,
        String cwd,
        List<Rlimit> rlimits,
        boolean noNewPrivileges,
        Capabilities capabilities,
        Integer oomScoreAdj) {

    public Process {
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? List.of() : List.copyOf(env);
        cwd = cwd == null ? "/" : cwd;
        user = user == null ? new User(0, 0, null, null) : user;
    }

    /** Without capabilities (none, as with runc; an exec gets the container's) and without an OOM score. */
    public Process(boolean terminal, ConsoleSize consoleSize, User user, List<String> args, List<String> env,
            String cwd, List<Rlimit> rlimits, boolean noNewPrivileges) {
        this(terminal, consoleSize, user, args, env, cwd, rlimits, noNewPrivileges, null, null);
    }

    /** A root process with a default PATH, the way {@code runc spec} writes one. */
    public static Process of(String... args) {
        return new Process(false, null, null, List.of(args),
                List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"),
                "/", null, false);
    }

    public Process withTerminal(boolean on, ConsoleSize size) {
        return new Process(on, size, user, args, env, cwd, rlimits, noNewPrivileges, capabilities, oomScoreAdj);
    }

    public Process withUser(User who) {
        return new Process(terminal, consoleSize, who, args, env, cwd, rlimits, noNewPrivileges, capabilities,
                oomScoreAdj);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record User(int uid, int gid, Integer umask, List<Integer> additionalGids) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ConsoleSize(int height, int width) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Rlimit(String type, long hard, long soft) {
    }

    /** The five capability sets, names as {@code CAP_KILL}; a null set is empty, as with runc. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Capabilities(List<String> bounding, List<String> effective, List<String> inheritable,
            List<String> permitted, List<String> ambient) {
        public List<List<String>> sets() {
            return Arrays.asList(bounding, effective, inheritable, permitted, ambient);
        }
    }
}
