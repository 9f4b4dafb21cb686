package dev.hull.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The training run of the short verbs' AOT cache (scripts/aot-train.sh): several verbs in one JVM, so
 * that one cache holds what state, list, start, kill, ps, pause, resume and delete load. The JDK maps a
 * whole cache at every start, and the cache of create and the shim (2/3 larger) cost each short verb
 * ~25 ms of CPU it never used. Arguments: verbs separated by {@code ,,}.
 */
public final class VerbTraining {
    private VerbTraining() {
    }

    public static void main(String[] args) {
        int failed = 0;
        List<String> verb = new ArrayList<>();
        for (String arg : Arrays.copyOf(args, args.length + 1)) {
            if (arg == null || arg.equals(",,")) {
                failed += Main.execute(verb.toArray(String[]::new)) == 0 ? 0 : 1;
                verb.clear();
            } else {
                verb.add(arg);
            }
        }
        // The JVM writes the cache in its own exit.
        System.exit(failed == 0 ? 0 : 1);
    }
}
