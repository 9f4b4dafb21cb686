package dev.hull.state;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * OCI container statuses; {@code creating} while create has not finished. Which verb a status allows is
 * {@code dev.hull.core.Verb}'s: the CLI applies it to the status a user sees
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
}
