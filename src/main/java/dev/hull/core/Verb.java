package dev.hull.core;

import dev.hull.error.WrongStateException;
import dev.hull.state.Status;

/**
 * The verbs a container's status may forbid, and runc's rules for which status allows each. Both fronts (the
 * CLI with its shim process, and the containerd v2 shim) ask here, so a verb is refused in the same words
 * whichever front a manager uses: managers match runc's words (containerd takes {@code container not running}
 * for "already gone").
 */
public enum Verb {
    START("start", "created"),
    KILL("kill", null),
    /** kill --all: a stopped container passes with nothing to signal (containerd kills so before a delete). */
    KILL_ALL("kill", null),
    PAUSE("pause", "running"),
    RESUME("resume", "paused"),
    EXEC("exec in", "running"),
    /** Waiting for an exec's status: only a shim that is up can give it. */
    WAIT_EXEC("wait for an exec in", "running"),
    UPDATE("update", "running"),
    PS("list the processes of", "running"),
    STATS("read the statistics of", "running"),
    DELETE("delete", null),
    /** delete --force: any status (a live container is killed first). */
    DELETE_FORCE("delete", null);

    private final String phrase;
    private final String wanted;

    Verb(String phrase, String wanted) {
        this.phrase = phrase;
        this.wanted = wanted;
    }

    public static Verb kill(boolean all) {
        return all ? KILL_ALL : KILL;
    }

    public static Verb delete(boolean force) {
        return force ? DELETE_FORCE : DELETE;
    }

    public boolean allows(Status status) {
        return switch (this) {
            case START -> status == Status.CREATED;
            case KILL, WAIT_EXEC, UPDATE, PS, STATS -> status.isUp();
            // runc's rule: kill --all of a stopped container succeeds, and containerd retries an error for ever.
            case KILL_ALL -> status.isUp() || status == Status.STOPPED;
            case PAUSE, EXEC -> status == Status.RUNNING;
            case RESUME -> status == Status.PAUSED;
            case DELETE -> status != Status.RUNNING && status != Status.PAUSED;
            case DELETE_FORCE -> true;
        };
    }

    /** Passes when {@code status} allows this verb; otherwise throws the one refusal this verb has. */
    public void check(String id, Status status) throws WrongStateException {
        if (!allows(status)) {
            throw refusal(id, status);
        }
    }

    private WrongStateException refusal(String id, Status status) {
        return switch (this) {
            // runc's words, which containerd's shim reads as "already gone": they name no status.
            case KILL, KILL_ALL -> WrongStateException.notRunning(id);
            case DELETE, DELETE_FORCE -> new WrongStateException("cannot delete container '" + id + "' that is "
                    + status.json() + ": stop it first or use --force");
            default -> new WrongStateException("cannot " + phrase + " container '" + id + "': it is " + status.json()
                    + ", not " + wanted);
        };
    }
}
