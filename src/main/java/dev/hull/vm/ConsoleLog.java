package dev.hull.vm;

import dev.hull.logging.Log;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * Keeps a VM's console log (the guest's serial port, which qemu appends to) under a bound: the guest is
 * untrusted, and a workload that can write the port (a privileged container, a flood of kernel messages)
 * would otherwise fill the run folder, which for root is tmpfs, that is the host's RAM. Past the bound the
 * log is cut to nothing and the cut is logged; between two looks it may grow by what the guest writes in
 * {@link #EVERY}.
 */
final class ConsoleLog {
    static final long LIMIT = 1 << 20;
    static final Duration EVERY = Duration.ofSeconds(1);

    private ConsoleLog() {
    }

    static void bound(Path log, Process qemu, String name) {
        Thread.ofPlatform().daemon().name("hull-console-log").start(() -> {
            long cut = 0;
            boolean warned = false;
            while (qemu.isAlive()) {
                try {
                    Thread.sleep(EVERY);
                    if (Files.size(log) > LIMIT) {
                        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
                            cut += ch.size();
                            ch.truncate(0);
                        }
                        String what = "the console log of " + name + " passed " + LIMIT + " bytes: cut (" + cut
                                + " bytes so far)";
                        // A warning once; a guest that goes on must not fill the host's log instead.
                        if (!warned) {
                            Log.warn(what);
                            warned = true;
                        } else {
                            Log.debug(what);
                        }
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    // Not there yet, or gone with the run folder.
                }
            }
        });
    }
}
