package dev.hull.cli;

import dev.hull.agent.Results;
import dev.hull.net.TapMirror;
import dev.hull.vm.Accelerator;
import dev.hull.vm.GuestClock;
import dev.hull.vm.ProbeBoot;
import dev.hull.vm.TemplateStore;
import dev.hull.vm.VirtioFsd;
import dev.hull.vm.VmException;
import dev.hull.vm.VmResolver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What this host can do: qemu, the guest, /dev/kvm, and whether a guest really boots under KVM (a probe
 * boot with a deadline, so a host where KVM hangs guests is reported, not waited on). The probe's answer
 * is what {@code accel: auto} uses from then on.
 */
final class CheckCommand implements Callable<Integer> {
    private final Main global;

    static Syntax syntax() {
        return Syntax.command("check",
                "Report whether this host can run Hull containers, and with which accelerator.");
    }

    CheckCommand(Main global, Parsed args) {
        this.global = global;
    }

    @Override
    public Integer call() throws Exception {
        global.init();
        boolean ok = true;
        VmResolver.Resolved vm;
        try {
            vm = new VmResolver(VmResolver.ETC, Main.home()).resolveDefaults();
        } catch (VmException e) {
            System.out.println("guest:       MISSING  " + e.getMessage());
            System.out.println("result:      Hull cannot run containers here");
            return 1;
        }
        String qemuVersion = qemuVersion(vm.config().qemu());
        ok &= qemuVersion != null;
        line("qemu", qemuVersion != null,
                vm.config().qemu() + (qemuVersion == null ? " does not run" : " (" + qemuVersion + ")"));
        line("kernel", true, vm.config().kernel().toString());
        line("initrd", true, vm.config().initrd().toString());
        Path kvm = Path.of("/dev/kvm");
        line("/dev/kvm", Files.exists(kvm), Files.exists(kvm)
                ? (Files.isWritable(kvm) ? "present, accessible" : "present, not accessible to this user") : "absent");
        boolean virtioFs = vm.args().uses("VIRTIOFS_SOCKET");
        Path virtiofsd = vm.config().virtiofsd();
        line("root share", true, virtioFs ? "virtio-fs (" + virtiofsd + ")"
                : "9p" + (VirtioFsd.usable(virtiofsd) ? "" : " (virtio-fs needs root and " + virtiofsd + ")"));
        templates(vm.template());
        var network = TapMirror.probe();
        line("network", network.isEmpty(),
                network.orElse("taps and tc redirect work (containers' interfaces reach the VM)"));
        Accelerator.Probe probe = Accelerator.probe(vm.config(), true);
        line("kvm guest", probe.accel().equals("kvm"), probe.reason());
        String accel = vm.config().accel().equals("auto") ? probe.accel() : vm.config().accel();
        guestClock(vm, accel);
        System.out.printf("%-12s %s%n", "accelerator:",
                accel + (vm.config().accel().equals("auto") ? " (auto)" : " (configured)"));
        System.out.printf("%-12s %s%n", "result:",
                ok ? "Hull can run containers here" : "Hull cannot run containers here");
        return ok ? 0 : 1;
    }

    /** Boots the guest once: how it keeps time is the guest kernel's choice, from what the host gives it. */
    private static void guestClock(VmResolver.Resolved vm, String accel) {
        try {
            ProbeBoot.Booted booted = ProbeBoot.boot(vm.config().with(vm.config().kernelParams(), 1, accel),
                    vm.bootTimeout());
            Results.Clock clock = booted.hello().clock();
            var tsc = GuestClock.hostTscKhz();
            String host = accel.equals("tcg")
                    ? "; host TSC " + (tsc.isPresent() ? tsc.getAsLong() + " kHz" : "unknown or not constant") : "";
            line("guest clock", clock != null && clock.highResolution()
                    && List.of("tsc", "kvm-clock").contains(clock.clocksource()),
                    (clock == null ? "not reported by the agent" : clock.describe()) + " (" + accel + host + ")");
        } catch (IOException | TimeoutException e) {
            line("guest clock", false, "the guest did not boot: " + e.getMessage());
        }
    }

    /** Whether VMs start from templates here, and the templates there are (shape, memory held, age). */
    private static void templates(boolean on) throws IOException {
        TemplateStore store = TemplateStore.forThisUser();
        List<TemplateStore.Info> made = store.list();
        line("templates", true, (on ? "on (clones' root over 9p)" : "off") + ", " + made.size() + " in "
                + store.dir());
        Instant now = Instant.now();
        for (TemplateStore.Info t : made) {
            System.out.printf("%-12s %-8s %s%n", "", "", t.key() + ": " + t.shape() + "; " + (t.bytes() >> 20)
                    + " MiB held, made " + Duration.between(t.made(), now).toSeconds() + " s ago");
        }
    }

    private static void line(String what, boolean good, String detail) {
        System.out.printf("%-12s %-8s %s%n", what + ":", good ? "ok" : "NO", detail);
    }

    private static String qemuVersion(Path qemu) {
        try {
            Process p = new ProcessBuilder(qemu.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out.lines().findFirst().orElse("").replace("QEMU emulator version ", "qemu ");
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
