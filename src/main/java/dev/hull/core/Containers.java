package dev.hull.core;

import dev.hull.error.HullException;
import dev.hull.state.StateStore;
import java.io.IOException;

/** What either front calls to end a container on this host, with no command line of its own. */
public final class Containers {
    private Containers() {
    }

    /** runc's delete: a running or paused container only with {@code force}; same errors as the CLI's. */
    public static void delete(StateStore store, String id, boolean force) throws HullException, IOException {
        Teardown.live().delete(store, id, force);
    }

    /** Ends and removes what a container left when its state.json cannot be read. */
    public static void removeUnreadable(StateStore store, String id) throws HullException, IOException {
        Teardown.live().removeUnreadable(store, id);
    }
}
