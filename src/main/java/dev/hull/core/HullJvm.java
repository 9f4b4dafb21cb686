package dev.hull.core;

import dev.hull.sys.Host;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a long-lived Hull JVM (the CLI's shim, an exec relay, the containerd v2 shim): this
 * JVM's java, the shim's flags, an AOT cache, Hull's home and class path. Both fronts start one.
 */
public final class HullJvm {
    /**
     * JVM flags for the long-lived shim: a small heap and little else (bench/density, 10 idle containers,
     * shim PSS each). A 3 MiB young generation: the shim allocates little and slowly, and an eden the
     * default size stays touched (35 → 29 MiB; 200 MB of output relayed no slower). The AOT cache mapped
     * where it was made, not relocated: relocation (the JVM's default, for ASLR) writes every page of the
     * 28 MiB cache, a private copy per shim; in place its read-only part is shared by all shims (45 → 35
     * MiB). The shim's class metadata then has a fixed address; nothing the guest sends reaches native
     * code in the shim but through FFM calls with lengths it checks. No replay of the cache's training
     * profiles: the JIT compiled every method the training run had made hot at start (its code and the
     * compiler's memory, ~0.9 MiB of every idle shim), where the shim's hot paths (output relay) are
     * compiled once they run (start and 100 MB relayed no slower: docs/architecture.md, Memory). bin/hull
     * has them too, for the v2 shim JVM that bin/containerd-shim-hull-v2 starts (HullJvmTest).
     */
    static final List<String> SHIM_FLAGS = List.of("-XX:+UseSerialGC", "-Xmx32m", "-Xmn3m", "-Xss256k",
            "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-XX:ReservedCodeCacheSize=16m",
            "-XX:MaxMetaspaceSize=48m", "-XX:+UseCompactObjectHeaders", "-XX:TrimNativeHeapInterval=1000",
            "--enable-native-access=ALL-UNNAMED", "-Xlog:disable", "-XX:+UnlockDiagnosticVMOptions",
            "-XX:ArchiveRelocationMode=0", "-XX:-AOTReplayTraining");

    private HullJvm() {
    }

    /** A long-lived JVM of Hull's with the shim's flags and AOT cache, running {@code mainClass}. */
    public static List<String> shimJava(Class<?> mainClass) {
        String shimAot = System.getProperty("hull.shimAot");
        return javaCommand(shimAot != null ? shimAot : System.getProperty("hull.aot"), mainClass);
    }

    /** A Hull JVM with the shim's flags and the AOT cache {@code aot} (null: none), running {@code mainClass}. */
    public static List<String> javaCommand(String aot, Class<?> mainClass) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(SHIM_FLAGS);
        if (aot != null) {
            // Made with the CLI's flags or the shim's: they differ only in sizes, which a cache allows.
            cmd.add("-XX:AOTCache=" + aot);
        }
        String more = System.getenv("HULL_JVM_OPTIONS");
        if (more != null && !more.isBlank()) {
            // As bin/hull gives them to the CLI: `make docs` gives the shims the coverage agent too.
            cmd.addAll(List.of(more.trim().split("\\s+")));
        }
        // Not Main.home(): the v2 shim's start would pay Main's verb table for it.
        cmd.add("-Dhull.home=" + Host.home());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        return cmd;
    }
}
