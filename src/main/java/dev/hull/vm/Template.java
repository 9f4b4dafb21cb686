package dev.hull.vm;

import dev.hull.agent.AgentClient;
import dev.hull.error.BadInputException;
import dev.hull.qmp.QmpClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * A booted guest, stopped and saved in a folder: {@code ram}, its RAM (a file on tmpfs, mapped shared by
 * the template's qemu and privately by each clone's), and {@code state}, qemu's device state without the
 * RAM. Booted to where nothing of a container exists yet: the agent serving its port, no root mounted,
 * no NIC configured; it says hello to Hull and is stopped once its connection is closed again.
 */
public record Template(Path dir, TemplateShape shape) {
    /** How long the template's agent gets to see its host go before the VM is stopped. */
    private static final Duration SETTLE = Duration.ofMillis(50);
    private static final Duration SAVE = Duration.ofSeconds(30);

    public Path ram() {
        return dir.resolve("ram");
    }

    public Path state() {
        return dir.resolve("state");
    }

    /** A template whose state qemu cannot restore: it is removed, and its slot boots for a while. */
    public static final class Broken extends IOException {
        private static final long serialVersionUID = 1L;

        Broken(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The MAC a template's NIC {@code index} has until a clone's agent gives it the container's. */
    public static String placeholderMac(int index) {
        return "02:68:75:6c:6c:" + HexFormat.of().toHexDigits((byte) index);
    }

    /** Boots a VM of {@code shape} in {@code dir} (made new), waits for its agent, stops it and saves it. */
    static Template make(TemplateShape shape, Path dir, Duration bootTimeout)
            throws IOException, TimeoutException, BadInputException {
        Files.createDirectory(dir);
        Path root = Files.createDirectory(dir.resolve("root"));
        List<Share> shares = new ArrayList<>();
        for (String tag : shape.shareTags()) {
            shares.add(new Share(tag, Files.createDirectory(dir.resolve("share-" + tag)), true));
        }
        List<String> nics = new ArrayList<>();
        for (int i = 0; i < shape.nics(); i++) {
            // A NIC on a hub of its own with nothing else on it: the device is what the clone inherits.
            nics.addAll(List.of("-netdev", "hubport,id=net" + i + ",hubid=" + i,
                    "-device", "virtio-net-device,netdev=net" + i + ",mac=" + placeholderMac(i)));
        }
        Template made = new Template(dir, shape);
        var how = new QemuVm.Launch("hull-template", dir, root, true, false, List.of(), shares, List.of(), List.of());
        try (QemuVm vm = QemuVm.spawn(shape.config(), HypervisorArgs.builtInClone(), how, shape.kernelParams(),
                made.memoryTags(true), nics)) {
            try (AgentClient agent = vm.connectAgent(bootTimeout)) {
                // Its hello is the proof that the guest is up; the agent waits for the next host.
            }
            sleep(SETTLE);
            try (QmpClient qmp = QmpClient.connect(vm.qmpSocket())) {
                qmp.execute("stop");
                Migration.save(qmp, dir.resolve("migrate.sock"), made.state(), SAVE);
            }
        }
        for (Path p : List.of(dir.resolve("agent.sock"), dir.resolve("qmp.sock"), dir.resolve("process.sock"))) {
            Files.deleteIfExists(p);
        }
        return made;
    }

    /** The RAM-file tags of hypervisor-clone.args: the template maps its RAM shared, a clone private. */
    Map<String, String> memoryTags(boolean shared) {
        return Map.of("MEMORY_FILE", ram().toString().replace(",", ",,"), "MEMORY_SHARED", shared ? "on" : "off");
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making a template", e);
        }
    }
}
