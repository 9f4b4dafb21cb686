package dev.hull.vm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.oci.Bundle;
import dev.hull.json.JsonValues;
import dev.hull.oci.SpecJson;
import dev.hull.oci.VmSection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Works out the VM for a bundle the seed's way: each setting from the bundle's {@code vm} object, else
 * from {@code /etc/hull/vm.json}, else Hull's defaults (the guest built next to this installation); the
 * hypervisor arguments from the bundle's {@code hypervisor.args}, else {@code /etc/hull/hypervisor.args},
 * else the built-in template (the root over virtio-fs where virtiofsd can run, else 9p). Every path must
 * exist.
 */
public final class VmResolver {
    public static final Path ETC = Path.of("/etc/hull");
    /** Under TCG a boot takes about a second; a slow, loaded host still gets plenty of room. */
    public static final int DEFAULT_BOOT_TIMEOUT_S = 60;
    private static final Path DEFAULT_QEMU = Path.of("/usr/bin/qemu-system-x86_64");
    private static final int DEFAULT_MEMORY_MIB = 256;
    /** The least vm.memory accepted. */
    private static final int MIN_MEMORY_MIB = 64;

    private final Path etc;
    private final Path home;

    /** @param home Hull's installation folder, whose {@code guest/out} holds the default guest */
    public VmResolver(Path etc, Path home) {
        this.etc = etc;
        this.home = home;
    }

    /**
     * The VM settings, accel still possibly {@code auto}. {@code fallback}: the arguments to use when {@code
     * args}' virtiofsd cannot start after all (share {@code auto} with the built-in template), else null.
     * {@code template}: whether the VM may start as a clone of a template (the built-in arguments, the root
     * not asked for over virtio-fs, templating not turned off); where it does, its root goes over 9p.
     */
    public record Resolved(VmConfig config, HypervisorArgs args, Path image, Duration bootTimeout,
            HypervisorArgs fallback, boolean template) {
    }

    /** The environment variable that turns templating on or off for managers that pass no flags. */
    public static final String TEMPLATE_ENV = "HULL_TEMPLATE";
    /**
     * Off: a clone's root is 9p, and Debian 12's 9p costs what users of runc rely on (inotify on the root,
     * the image's file capabilities, metadata speed); docs/architecture.md, "Templates".
     */
    private static final String DEFAULT_TEMPLATE = "off";

    public Resolved resolve(Bundle bundle) throws VmException {
        JsonNode guest = bundle.spec().linux().guest();
        return resolve(bundle.spec().vm(), bundle.dir(), VmSizing.withPodAnnotations(bundle.spec().annotations(),
                guest == null ? null : guest.get("resources")));
    }

    /** The VM without a bundle (for {@code check}): /etc/hull, then the defaults. */
    public Resolved resolveDefaults() throws VmException {
        return resolve(null, null, null);
    }

    /**
     * {@code resources}: config.json's linux.resources, or null. Its limits size the VM where the bundle's
     * own {@code vm} object does not (VmSizing); they win over /etc/hull, which is a host-wide default.
     */
    private Resolved resolve(VmSection fromBundle, Path bundleDir, JsonNode resources) throws VmException {
        Path config = bundleDir == null ? null : bundleDir.resolve("config.json");
        Path etcVm = etc.resolve("vm.json");
        Sources from = new Sources(config, fromBundle, etcVm, readEtc(etcVm));

        Setting<String> qemu = from.pick(VmSection::path, DEFAULT_QEMU.toString(), "vm.path");
        Setting<String> kernel = from.pick(VmResolver::kernelPath, home.resolve("guest/out/vmlinux").toString(),
                "vm.kernel.path");
        Setting<String> initrd = from.pick(VmSection::initrd, home.resolve("guest/out/initrd.img").toString(),
                "vm.initrd");
        Setting<String> params = from.pick(VmResolver::kernelParams, String.join(" ", VmConfig.DEFAULT_KERNEL_PARAMS),
                "vm.kernel.parameters");
        Setting<String> image = from.pick(VmSection::image, null, "vm.image");
        Integer sizedMemory = VmSizing.memoryMiB(resources);
        Integer sizedCpus = VmSizing.cpus(resources, Runtime.getRuntime().availableProcessors());
        Setting<Integer> memory = sizedMemory != null && from.inBundle(VmSection::memory) == null
                ? new Setting<>(sizedMemory, "linux.resources.memory.limit in " + config + " plus "
                        + VmSizing.OVERHEAD_MIB + " MiB")
                : from.pick(VmSection::memory, DEFAULT_MEMORY_MIB, "vm.memory");
        Setting<Integer> cpus = sizedCpus != null && from.inBundle(VmSection::cpus) == null
                ? new Setting<>(sizedCpus, "linux.resources.cpu quota/period in " + config)
                : from.pick(VmSection::cpus, 1, "vm.cpus");
        Setting<Integer> boot = from.pick(VmSection::bootTimeout, DEFAULT_BOOT_TIMEOUT_S, "vm.bootTimeout");
        Setting<String> accel = from.pick(VmSection::accel, "auto", "vm.accel");
        Setting<String> share = from.pick(VmSection::share, "auto", "vm.share");
        Setting<String> virtiofsd = from.pick(VmSection::virtiofsd, VirtioFsd.BINARY.toString(), "vm.virtiofsd");
        Setting<String> template = from.inBundle(VmSection::template) == null && System.getenv(TEMPLATE_ENV) != null
                ? new Setting<>(System.getenv(TEMPLATE_ENV), TEMPLATE_ENV + " in the environment")
                : from.pick(VmSection::template, DEFAULT_TEMPLATE, "vm.template");

        Path qemuPath = mustExist(qemu, "hypervisor");
        Path kernelPath = mustExist(kernel, "kernel");
        Path initrdPath = mustExist(initrd, "initrd");
        Path imagePath = image.value() == null ? null : mustExist(image, "image");
        if (memory.value() < MIN_MEMORY_MIB) {
            throw new VmException("vm.memory " + memory.value() + " MiB (" + memory.origin() + ") is below "
                    + MIN_MEMORY_MIB + " MiB");
        }
        if (cpus.value() < 1) {
            throw new VmException("vm.cpus " + cpus.value() + " (" + cpus.origin() + ") must be at least 1");
        }
        if (boot.value() < 1) {
            throw new VmException("vm.bootTimeout " + boot.value() + " (" + boot.origin() + ") must be at least 1 s");
        }
        if (!List.of("auto", "kvm", "tcg").contains(accel.value())) {
            throw new VmException("vm.accel '" + accel.value() + "' (" + accel.origin()
                    + ") must be auto, kvm or tcg");
        }
        if (!List.of("auto", "virtiofs", "9p").contains(share.value())) {
            throw new VmException("vm.share '" + share.value() + "' (" + share.origin()
                    + ") must be auto, virtiofs or 9p");
        }
        if (!List.of("on", "off").contains(template.value())) {
            throw new VmException("vm.template '" + template.value() + "' (" + template.origin()
                    + ") must be on or off");
        }
        Path daemon = Path.of(virtiofsd.value());
        if (share.value().equals("virtiofs") && !VirtioFsd.usable(daemon)) {
            throw new VmException("vm.share virtiofs (" + share.origin() + ") needs root and " + daemon + " ("
                    + virtiofsd.origin() + ")");
        }
        boolean virtioFs = share.value().equals("virtiofs") || share.value().equals("auto") && VirtioFsd.usable(daemon);
        List<String> paramList = Arrays.stream(params.value().trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
        VmConfig vm = new VmConfig(qemuPath, kernelPath, paramList, initrdPath, memory.value(), cpus.value(),
                accel.value(), daemon);
        HypervisorArgs custom = customArgs(bundleDir);
        // auto on a host where virtiofsd is there but cannot run (no namespaces for its sandbox): 9p.
        HypervisorArgs fallback = custom == null && virtioFs && share.value().equals("auto")
                ? HypervisorArgs.builtIn(false) : null;
        boolean cloned = template.value().equals("on") && custom == null && !share.value().equals("virtiofs");
        return new Resolved(vm, custom != null ? custom : HypervisorArgs.builtIn(virtioFs), imagePath,
                Duration.ofSeconds(boot.value()), fallback, cloned);
    }

    /** A template from the bundle or /etc/hull (it decides the share itself, by the tags it uses), or null. */
    private HypervisorArgs customArgs(Path bundleDir) throws VmException {
        List<Path> candidates = bundleDir == null ? List.of(etc.resolve("hypervisor.args"))
                : List.of(bundleDir.resolve("hypervisor.args"), etc.resolve("hypervisor.args"));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                try {
                    return HypervisorArgs.read(candidate);
                } catch (IOException e) {
                    throw new VmException("cannot read " + candidate + ": " + e.getMessage(), e);
                }
            }
        }
        return null;
    }

    private static VmSection readEtc(Path file) throws VmException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode node = JsonValues.tree(Files.readAllBytes(file));
            if (node == null) {
                throw new VmException(file + " is empty");
            }
            JsonNode vm = node.has("vm") ? node.get("vm") : node;
            return SpecJson.vm(vm, "vm");
        } catch (IOException | SpecJson.TypeException e) {
            throw new VmException(file + " is not a valid vm configuration: " + e.getMessage(), e);
        }
    }

    private static String kernelPath(VmSection s) {
        return s.kernel() == null ? null : s.kernel().path();
    }

    private static String kernelParams(VmSection s) {
        return s.kernel() == null ? null : s.kernel().parameters();
    }

    private record Setting<T>(T value, String origin) {
    }

    /** Where settings come from, in order: the bundle's vm object, /etc/hull/vm.json (either may be null). */
    private record Sources(Path config, VmSection bundle, Path etcFile, VmSection etc) {
        <T> T inBundle(Function<VmSection, T> field) {
            return bundle == null ? null : field.apply(bundle);
        }

        /** The first of the bundle's, /etc/hull's and {@code dflt}, with where it came from. */
        <T> Setting<T> pick(Function<VmSection, T> field, T dflt, String name) {
            T fromBundle = inBundle(field);
            if (fromBundle != null) {
                return new Setting<>(fromBundle, name + " in " + config);
            }
            T fromEtc = etc == null ? null : field.apply(etc);
            if (fromEtc != null) {
                return new Setting<>(fromEtc, name + " in " + etcFile);
            }
            return new Setting<>(dflt, "Hull's default " + name);
        }
    }

    private static Path mustExist(Setting<String> s, String what) throws VmException {
        Path p = Path.of(s.value());
        if (!Files.exists(p)) {
            throw new VmException(what + " " + p + " (" + s.origin() + ") does not exist");
        }
        if (!Files.isReadable(p)) {
            throw new VmException(what + " " + p + " (" + s.origin() + ") is not readable");
        }
        return p;
    }
}
