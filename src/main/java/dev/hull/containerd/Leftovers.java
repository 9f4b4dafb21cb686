package dev.hull.containerd;

import dev.hull.state.StateStore;
import java.io.IOException;

/** What a container of a dead shim left: to be ended and removed through the lifecycle core. */
final class Leftovers {
    private Leftovers() {
    }

    static void remove(StateStore store, String id) throws IOException {
        if (store.exists(id)) {
            StateStore.deleteTree(store.dir(id));
        }
    }
}
