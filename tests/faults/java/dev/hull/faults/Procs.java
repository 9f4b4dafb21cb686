package dev.hull.faults;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Host processes of a test, found by their command lines (which name the test's folder). */
final class Procs {
    private Procs() {
    }

    /** The first process whose command line has all of {@code parts} and names {@code dir}. */
    static Optional<ProcessHandle> find(Path dir, String... parts) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(c -> {
            for (String part : parts) {
                if (!c.contains(part)) {
                    return false;
                }
            }
            return c.contains(dir.toString());
        }).orElse(false)).findFirst();
    }

    /** Waits (60 s at most) for such a process. */
    static ProcessHandle await(Path dir, String... parts) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end) {
            Optional<ProcessHandle> p = find(dir, parts);
            if (p.isPresent()) {
                return p.get();
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no process with " + String.join(" ", parts));
    }
}
