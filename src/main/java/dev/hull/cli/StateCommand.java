package dev.hull.cli;

import dev.hull.json.JsonValues;
import dev.hull.state.ContainerState;
import dev.hull.state.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

final class StateCommand implements Callable<Integer> {
    private final Main global;
    private final String id;

    static Syntax syntax() {
        return Syntax.command("state", "Print a container's OCI state as JSON.")
                .id();
    }

    StateCommand(Main global, Parsed args) {
        this.global = global;
        this.id = args.id();
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        ContainerState st = global.store().read(id);
        System.out.println(JsonValues.write(ociState(st, global.store().dir(id)), true));
        return 0;
    }

    /** runc's state object: the OCI fields plus rootfs, created and owner. */
    static Map<String, Object> ociState(ContainerState st, Path dir) {
        Status status = st.effectiveStatus();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ociVersion", st.ociVersion());
        m.put("id", st.id());
        m.put("pid", status == Status.STOPPED ? 0 : st.pid());
        m.put("status", status.json());
        m.put("bundle", st.bundle());
        m.put("rootfs", st.rootfs());
        m.put("created", st.created());
        m.put("owner", owner(dir));
        if (!st.annotations().isEmpty()) {
            m.put("annotations", st.annotations());
        }
        return m;
    }

    private static String owner(Path dir) {
        try {
            return Files.getOwner(dir).getName();
        } catch (IOException e) {
            return "";
        }
    }
}
