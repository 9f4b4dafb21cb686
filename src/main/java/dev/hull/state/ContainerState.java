package dev.hull.state;

import dev.hull.sys.Host;
import java.time.Instant;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * What Hull records about a container in {@code <root>/<id>/state.json} ({@link StateJson}): the OCI state,
 * plus the shim (whose pid is the container's), qemu, where the VM's sockets are, the VM it runs in and how
 * it ended.
 *
 * @param shimStarted the shim's start time (ms since the epoch), so a reused pid is not taken for it
 * @param runDir      folder of the VM's sockets and console log (short, for unix socket path limits)
 */
public record ContainerState(
        String ociVersion,
        String id,
        Status status,
        long pid,
        String bundle,
        String rootfs,
        String created,
        int owner,
        Map<String, String> annotations,
        long shimStarted,
        long qemuPid,
        String runDir,
        Integer exitCode,
        VmInfo vm) {

    public static final String OCI_VERSION = "1.2.0";

    /**
     * The VM a container runs in, as {@code list --all} shows it; {@code share} is how the guest gets the
     * container's root ({@code virtiofs} or {@code 9p}); {@code pod} is the container whose shim booted the
     * VM and holds it (its own id for that one; the sandbox's for the members of its pod); {@code template}
     * the template the VM was cloned from, null when it booted.
     */
    public record VmInfo(String hypervisor, String kernel, String initrd, String image, int memoryMiB, int cpus,
            String accel, String share, String pod, String template) {
    }

    /** A member of another container's pod: it runs in that container's VM and has no qemu of its own. */
    public boolean member() {
        return vm != null && vm.pod() != null && !vm.pod().equals(id);
    }

    /** What a container's state.json says while it is being created (its pid and qemu not known yet). */
    public static ContainerState creating(String id, String bundle, String rootfs, Map<String, String> annotations,
            String runDir, VmInfo vm) {
        return new ContainerState(OCI_VERSION, id, Status.CREATING, 0, bundle, rootfs, Instant.now().toString(),
                Host.uid(), annotations, 0, 0, runDir, null, vm);
    }

    public ContainerState withStatus(Status s) {
        return new ContainerState(ociVersion, id, s, pid, bundle, rootfs, created, owner, annotations, shimStarted,
                qemuPid, runDir, exitCode, vm);
    }

    public ContainerState started(long shimPid, long shimStartMs, long qemu) {
        return new ContainerState(ociVersion, id, status, shimPid, bundle, rootfs, created, owner, annotations,
                shimStartMs, qemu, runDir, exitCode, vm);
    }

    public ContainerState withVm(VmInfo info) {
        return new ContainerState(ociVersion, id, status, pid, bundle, rootfs, created, owner, annotations, shimStarted,
                qemuPid, runDir, exitCode, info);
    }

    public ContainerState stopped(int code) {
        return new ContainerState(ociVersion, id, Status.STOPPED, pid, bundle, rootfs, created, owner, annotations,
                shimStarted, qemuPid, runDir, code, vm);
    }

    /** True while the shim recorded here still runs (same pid and same start time). */
    public boolean shimAlive() {
        if (pid <= 0) {
            return false;
        }
        return ProcessHandle.of(pid)
                .filter(h -> Host.running(h.pid()))
                .map(h -> h.info().startInstant().map(t -> Math.abs(t.toEpochMilli() - shimStarted) < 2000)
                        .orElse(true))
                .orElse(false);
    }

    /** The status a user should see: a live status whose shim has gone is {@code stopped}. */
    public Status effectiveStatus() {
        return effectiveStatus(this::shimAlive);
    }

    /** {@link #effectiveStatus()}, with whether the shim runs asked of {@code shimAlive} (only if it matters). */
    public Status effectiveStatus(BooleanSupplier shimAlive) {
        if (status.isLive() && status != Status.CREATING && !shimAlive.getAsBoolean()) {
            return Status.STOPPED;
        }
        return status;
    }
}
