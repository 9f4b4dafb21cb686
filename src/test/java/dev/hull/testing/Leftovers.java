package dev.hull.testing;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/** Finds (and kills) processes a test left behind: any whose command line names the test's folder. */
public final class Leftovers {
    private Leftovers() {
    }

    /** Kills every process mentioning {@code marker} and returns their descriptions (empty: clean). */
    public static List<String> killAll(Path marker) {
        return kill(marker, c -> true);
    }

    /** The same, only for Hull's own processes (qemu, shims, relays): a test's daemons are left alone. */
    public static List<String> killHull(Path marker) {
        return kill(marker, c -> c.contains("qemu-system") || c.contains("dev.hull.cli.Main"));
    }

    /** The qemu processes whose command line names {@code marker} (a state root, a test's folder). */
    public static List<ProcessHandle> qemus(Path marker) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
                .map(l -> l.contains("qemu-system") && l.contains(marker.toString())).orElse(false)).toList();
    }

    private static List<String> kill(Path marker, Predicate<String> which) {
        String m = marker.toString();
        List<ProcessHandle> found = ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> p.info().commandLine().map(c -> c.contains(m) && which.test(c)).orElse(false))
                .toList();
        List<String> described = found.stream()
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .toList();
        found.forEach(ProcessHandle::destroyForcibly);
        return described;
    }
}
