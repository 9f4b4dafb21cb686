package dev.hull.state;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** OCI container statuses; {@code creating} while create has not finished. */
public enum Status {
    CREATING, CREATED, RUNNING, PAUSED, STOPPED;

    @JsonValue
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isLive() {
        return this != STOPPED;
    }
}
