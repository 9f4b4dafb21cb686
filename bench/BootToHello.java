import dev.hull.agent.AgentClient;
import dev.hull.vm.HypervisorArgs;
import dev.hull.vm.QemuVm;
import dev.hull.vm.Template;
import dev.hull.vm.TemplateShape;
import dev.hull.vm.TemplateStore;
import dev.hull.vm.VmConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Times a bare boot: qemu start (Hull's built-in arguments, TCG; the root over virtio-fs, with virtiofsd's
 * start, and over 9p) until the guest agent answers hello, then a clean power-off.
 * Usage: java -cp target/hull.jar bench/BootToHello.java KERNEL INITRD ROOTFS [RUNS]
 */
public class BootToHello {
    public static void main(String[] args) throws Exception {
        Path kernel = Path.of(args[0]);
        Path initrd = Path.of(args[1]);
        Path rootfs = Path.of(args[2]);
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        VmConfig config = new VmConfig(Path.of("/usr/bin/qemu-system-x86_64"), kernel, VmConfig.DEFAULT_KERNEL_PARAMS,
                initrd, 256, 1, "tcg");
        for (boolean virtioFs : List.of(true, false)) {
            List<Double> ms = boots(config, virtioFs, rootfs, runs);
            System.out.printf("boot to hello (qemu microvm, TCG, %s): median %.0f ms of %d (min %.0f, max %.0f)%n",
                    virtioFs ? "virtio-fs" : "9p", ms.get(ms.size() / 2), runs, ms.getFirst(), ms.getLast());
        }
        List<Double> ms = restores(config, rootfs, runs);
        System.out.printf("restore to hello (clone of a template, TCG, 9p): median %.0f ms of %d (min %.0f, max %.0f)%n",
                ms.get(ms.size() / 2), runs, ms.getFirst(), ms.getLast());
    }

    /** Clones of one template (made first, in a store of the bench's own), qemu start to hello. */
    private static List<Double> restores(VmConfig config, Path rootfs, int runs) throws Exception {
        Path store = Files.createTempDirectory(Path.of("/dev/shm"), "hull-templates");
        List<Double> ms = new ArrayList<>();
        try {
            Template template = new TemplateStore(store.resolve("t")).obtain(
                    TemplateShape.of(config, List.of(), List.of(), 0), Duration.ofSeconds(60));
            for (int i = 0; i < runs; i++) {
                Path dir = Files.createTempDirectory("hull-clone");
                long t0 = System.nanoTime();
                try (QemuVm vm = QemuVm.restore(template, config, QemuVm.Launch.of("bench", dir, rootfs),
                        Duration.ofSeconds(30)); AgentClient agent = vm.connectAgent(Duration.ofSeconds(30))) {
                    ms.add((System.nanoTime() - t0) / 1e6);
                    agent.shutdown(Duration.ofSeconds(5));
                    agent.close();
                    vm.awaitExit(Duration.ofSeconds(10));
                }
                delete(dir);
            }
        } finally {
            delete(store);
        }
        Collections.sort(ms);
        return ms;
    }

    private static void delete(Path dir) throws Exception {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static List<Double> boots(VmConfig config, boolean virtioFs, Path rootfs, int runs) throws Exception {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Path dir = Files.createTempDirectory("hull-boot");
            long t0 = System.nanoTime();
            try (QemuVm vm = QemuVm.launch(config, HypervisorArgs.builtIn(virtioFs),
                    QemuVm.Launch.of("bench", dir, rootfs));
                    AgentClient agent = vm.connectAgent(Duration.ofSeconds(30))) {
                ms.add((System.nanoTime() - t0) / 1e6);
                agent.shutdown(Duration.ofSeconds(5));
                agent.close();
                vm.awaitExit(Duration.ofSeconds(10));
            }
            try (var walk = Files.walk(dir)) {
                walk.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Collections.sort(ms);
        return ms;
    }
}
