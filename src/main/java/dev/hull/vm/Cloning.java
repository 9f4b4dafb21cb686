package dev.hull.vm;

import dev.hull.agent.AgentClient;
import dev.hull.agent.Request;
import dev.hull.logging.Log;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A VM started as a clone of its shape's template (made first if there is none), or, where that fails,
 * the reason in the log and nothing left running: the caller then boots the VM. A create never fails
 * because of a template.
 */
public final class Cloning {
    /** Host randomness a clone's guest mixes into its pool before anything runs in it. */
    private static final int ENTROPY_BYTES = 64;
    /** The clone request: a reseed and a mount, milliseconds in a guest that said hello. */
    private static final Duration CLONE_REQUEST = Duration.ofSeconds(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private Cloning() {
    }

    /** A running clone and its agent, which has said hello, reseeded and mounted the root. */
    public record Started(QemuVm vm, AgentClient agent) {
    }

    public static Optional<Started> start(TemplateStore store, VmConfig config, QemuVm.Launch how,
            Duration bootTimeout) {
        TemplateShape shape = TemplateShape.of(config, how.kernelParams(), how.shares(), how.nics().size());
        Template template;
        try {
            template = store.obtain(shape, bootTimeout);
        } catch (Exception e) {
            Log.warn("no template for " + how.name() + " (" + shape.describe() + "): " + e.getMessage()
                    + "; booting it");
            return Optional.empty();
        }
        QemuVm vm = null;
        AgentClient agent = null;
        try {
            long t0 = System.nanoTime();
            vm = QemuVm.restore(template, config, how, bootTimeout);
            agent = vm.connectAgent(bootTimeout);
            byte[] entropy = new byte[ENTROPY_BYTES];
            RANDOM.nextBytes(entropy);
            List<Request.Clone.MacChange> macs = new ArrayList<>();
            for (int i = 0; i < how.nics().size(); i++) {
                macs.add(new Request.Clone.MacChange(Template.placeholderMac(i), how.nics().get(i).mac()));
            }
            agent.clone(entropy, macs, CLONE_REQUEST);
            Log.debug(how.name() + " cloned from " + template.dir() + " in " + (System.nanoTime() - t0) / 1_000_000
                    + " ms");
            return Optional.of(new Started(vm, agent));
        } catch (Exception e) {
            if (agent != null) {
                try {
                    agent.close();
                } catch (IOException ignored) {
                    // The VM goes with it.
                }
            }
            if (vm != null) {
                vm.close();
            }
            boolean broken = e instanceof Template.Broken;
            Log.warn("cannot start " + how.name() + " from the template " + template.dir() + ": " + e.getMessage()
                    + "; booting it" + (broken ? " (the template is removed)" : ""));
            if (broken) {
                store.discard(template, String.valueOf(e.getMessage()));
            }
            return Optional.empty();
        }
    }
}
