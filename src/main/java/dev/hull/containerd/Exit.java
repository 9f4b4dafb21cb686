package dev.hull.containerd;

import java.time.Instant;

/** How a task's process ended: its status as containerd takes it (128+signal for a signal) and when. */
record Exit(int status, Instant at) {
}
