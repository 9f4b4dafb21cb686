package dev.hull.vm;

import dev.hull.agent.AgentClient;
import dev.hull.agent.Results;
import dev.hull.error.BadInputException;
import dev.hull.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * One throwaway boot of the guest to its agent's hello and back (the 9p template: no daemon to start),
 * for what only a running guest can tell: whether KVM works, how the guest keeps time.
 */
public final class ProbeBoot {
    private ProbeBoot() {
    }

    /** What the guest said, and how long qemu took from its start to the hello's answer. */
    public record Booted(Results.HelloResult hello, long millis) {
    }

    /** Boots {@code config} (its accelerator as given), within {@code deadline}; nothing is left after. */
    public static Booted boot(VmConfig config, Duration deadline) throws IOException, TimeoutException {
        Path dir = Files.createTempDirectory("hull-probe");
        try {
            Path share = Files.createDirectory(dir.resolve("share"));
            long start = System.nanoTime();
            try (QemuVm vm = QemuVm.launch(config, HypervisorArgs.builtIn(false),
                    QemuVm.Launch.of("hull-probe", dir, share)); AgentClient agent = vm.connectAgent(deadline)) {
                long ms = (System.nanoTime() - start) / 1_000_000;
                agent.shutdown(Duration.ofSeconds(2));
                return new Booted(agent.greeting(), ms);
            } catch (BadInputException e) {
                throw new IllegalStateException("the built-in template names a tag Hull does not know", e);
            }
        } finally {
            try {
                StateStore.deleteTree(dir);
            } catch (IOException ignored) {
                // A temporary folder left behind is harmless.
            }
        }
    }
}
