package dev.hull.shim;

import dev.hull.logging.Log;
import java.io.IOException;

/**
 * A pod member created for a front that serves it in process: the container in the guest and its anchor
 * (the member's pid). Once its workload has ended, {@link #end} hands the status to the anchor and gives
 * the member's place in the VM back.
 */
public final class ServedMember {
    private final GuestContainer container;
    private final AnchorLink anchor;

    ServedMember(GuestContainer container, AnchorLink anchor) {
        this.container = container;
        this.anchor = anchor;
    }

    public GuestContainer container() {
        return container;
    }

    public long pid() {
        return anchor.request().pid();
    }

    /** After {@link GuestContainer#awaitExit}: the anchor exits with the status, then the guest forgets the member. */
    public void end(int code) {
        try (anchor) {
            anchor.exit(code);
        } catch (IOException e) {
            Log.warn("cannot hand the exit code of " + container.id() + " to its host process: " + e.getMessage());
        } finally {
            container.release();
        }
    }
}
