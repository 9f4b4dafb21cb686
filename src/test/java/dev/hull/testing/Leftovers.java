package dev.hull.testing;

import java.nio.file.Path;
import java.util.List;

/** Finds (and kills) processes a test left behind: any whose command line names the test's folder. */
public final class Leftovers {
    private Leftovers() {
    }

    /** Kills every process mentioning {@code marker} and returns their descriptions (empty: clean). */
    public static List<String> killAll(Path marker) {
        String m = marker.toString();
        List<ProcessHandle> found = ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> p.info().commandLine().map(c -> c.contains(m)).orElse(false))
                .toList();
        List<String> described = found.stream()
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .toList();
        found.forEach(ProcessHandle::destroyForcibly);
        return described;
    }
}
