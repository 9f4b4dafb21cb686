package dev.hull.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What a template and its clones must have in common: the VM's configuration (qemu, kernel, initrd, RAM,
 * vCPUs, accelerator), the kernel command line the template booted with, and its devices besides the
 * built-in ones (the 9p shares by tag, in order, and the number of NICs): a restored guest keeps the
 * devices it probed at boot. A container whose VM would differ in any of them needs another template.
 */
public record TemplateShape(VmConfig config, List<String> kernelParams, List<String> shareTags, int nics) {
    /** Bumped when what a template holds changes meaning: older templates are then never used. */
    private static final String FORMAT = "hull-template-1";
    /** Tells the guest agent not to mount the root at boot, and to wait for its clones' hosts. */
    static final String TEMPLATE_PARAM = "hull.template=1";
    /**
     * How a clone's guest mounts its 9p root: write-through, as over virtio-fs (9p's default for Hull,
     * cache=loose, keeps what the workload writes in the guest's page cache, where the host does not see
     * it), reads not cached but mmap's (exec's) pages kept.
     */
    static final String SHARE_OPTIONS = "hull.share_opts=cache=mmap";

    public TemplateShape {
        kernelParams = List.copyOf(kernelParams);
        shareTags = List.copyOf(shareTags);
    }

    /** The shape of a VM with this configuration, launch parameters, 9p shares and NICs. */
    public static TemplateShape of(VmConfig config, List<String> launchParams, List<Share> shares, int nics) {
        List<String> params = new ArrayList<>(QemuVm.kernelParams(config, false, launchParams));
        params.add(TEMPLATE_PARAM);
        params.add(SHARE_OPTIONS);
        return new TemplateShape(config, params, shares.stream().map(Share::tag).toList(), nics);
    }

    /**
     * Names the slot: everything but the files' contents. Two templates in one slot differ only in a
     * qemu, kernel or initrd that was replaced, so the older is stale.
     */
    public String slot() {
        return digest(List.of(FORMAT, config.qemu().toString(), config.kernel().toString(),
                config.initrd().toString(), Integer.toString(config.memoryMiB()), Integer.toString(config.cpus()),
                config.accel(), String.join(" ", kernelParams), String.join(",", shareTags),
                Integer.toString(nics), HypervisorArgs.builtInClone().text()));
    }

    /**
     * Names the template: its slot and what the qemu, kernel and initrd files are now (inode, size and
     * modification time: a rebuilt or replaced file changes them; hashing ~30 MB on every create would
     * cost more than the start a template saves on a slow host).
     */
    public String key() throws IOException {
        String slot = slot();
        List<String> parts = new ArrayList<>(List.of(slot));
        for (Path file : List.of(config.qemu(), config.kernel(), config.initrd())) {
            PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class);
            parts.add(a.fileKey() + "/" + a.size() + "/" + a.lastModifiedTime().toMillis());
        }
        return slot + "-" + digest(parts);
    }

    private static String digest(List<String> parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                sha.update(p.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256", e);
        }
    }

    /** For people: {@code hull check} and the log. */
    public String describe() {
        return config.memoryMiB() + " MiB, " + config.cpus() + " vCPU, " + config.accel() + ", " + shareTags.size()
                + " volume share(s), " + nics + " NIC(s)";
    }
}
