package dev.hull.state;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * OCI container statuses; {@code creating} while create has not finished. The rules for which verb a
 * status allows are runc's and live here only: the CLI applies them to the status a user sees
 * ({@link ContainerState#effectiveStatus()}), the shim to its own.
 */
public enum Status {
    CREATING, CREATED, RUNNING, PAUSED, STOPPED;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isLive() {
        return this != STOPPED;
    }

    /** Its shim is up and serves verbs: created, running or paused (not while create is still under way). */
    public boolean isUp() {
        return this == CREATED || this == RUNNING || this == PAUSED;
    }

    public boolean canStart() {
        return this == CREATED;
    }

    /**
     * Whether kill succeeds: a container that is up is signalled; runc's rule for {@code --all} on a stopped
     * one is success with nothing to signal (containerd kills a task that way before deleting it, and
     * retries for ever on an error). Signal only when {@link #isUp()}.
     */
    public boolean canKill(boolean all) {
        return isUp() || all && this == STOPPED;
    }

    /** A running or paused container is deleted only by force (it is killed first). */
    public boolean canDelete(boolean force) {
        return force || this != RUNNING && this != PAUSED;
    }

    public boolean canPause() {
        return this == RUNNING;
    }

    public boolean canResume() {
        return this == PAUSED;
    }

    public boolean canExec() {
        return this == RUNNING;
    }
}
