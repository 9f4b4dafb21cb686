package dev.hull.vm;

import java.nio.file.Path;
import java.util.List;

/**
 * What a VM is made of: the seed's {@code vm} object (hypervisor path, kernel and its parameters, image)
 * plus Hull's additions (initrd, memory, cpus, accelerator).
 *
 * @param accel the accelerator qemu gets: {@code kvm} or {@code tcg} (auto is resolved before this)
 * @param virtiofsd the daemon a template naming {@code @VIRTIOFS_SOCKET@} gets
 */
public record VmConfig(Path qemu, Path kernel, List<String> kernelParams, Path initrd, int memoryMiB, int cpus,
        String accel, Path virtiofsd) {

    /**
     * Kernel command line that boots the minimal guest fastest under TCG (measured, see DESIGN.md). The
     * clock's parameters, which depend on the host, are added at launch ({@link GuestClock}).
     */
    public static final List<String> DEFAULT_KERNEL_PARAMS = List.of(
            "console=ttyS0", "quiet", "reboot=t", "panic=-1", "pci=off", "tsc=reliable", "no_timer_check",
            "8250.nr_uarts=1", "cryptomgr.notests", "random.trust_cpu=on");

    public VmConfig {
        kernelParams = List.copyOf(kernelParams);
    }

    /** With Debian's virtiofsd. */
    public VmConfig(Path qemu, Path kernel, List<String> kernelParams, Path initrd, int memoryMiB, int cpus,
            String accel) {
        this(qemu, kernel, kernelParams, initrd, memoryMiB, cpus, accel, VirtioFsd.BINARY);
    }

    /** The same VM with other kernel parameters, cpus or accelerator. */
    public VmConfig with(List<String> params, int cpuCount, String accelerator) {
        return new VmConfig(qemu, kernel, params, initrd, memoryMiB, cpuCount, accelerator, virtiofsd);
    }
}
