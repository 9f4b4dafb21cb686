package dev.hull.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A copy of this Hull installation that any user can read: the launcher, the jar and its libraries, the
 * anchor, and the default guest in guest/out. The checkout may sit in root's private home, where a test
 * that runs Hull as another user (nobody, a rootless podman) cannot reach it.
 */
public final class ReadableInstall {
    private ReadableInstall() {
    }

    /** Makes the copy in {@code inst} (created); returns its launcher. */
    public static Path copyTo(Path inst) throws Exception {
        Path project = TestAssets.projectDir();
        Files.createDirectories(inst.resolve("bin"));
        Files.createDirectories(inst.resolve("target"));
        Files.createDirectories(inst.resolve("guest/out"));
        Files.copy(HullCli.launcher(), inst.resolve("bin/hull"));
        Files.copy(project.resolve("target/hull.jar"), inst.resolve("target/hull.jar"));
        run("cp", "-a", project.resolve("target/lib").toString(), inst.resolve("target/lib").toString());
        // The container's pid, its anchor.
        run("cp", "-a", project.resolve("target/native").toString(), inst.resolve("target/native").toString());
        Files.copy(TestAssets.kernel(), inst.resolve("guest/out/vmlinux"));
        Files.copy(TestAssets.initrd(), inst.resolve("guest/out/initrd.img"));
        readable(inst);
        return inst.resolve("bin/hull");
    }

    /** {@code top} and everything under it readable (folders searchable) by every user. */
    public static void readable(Path top) throws Exception {
        run("chmod", "-R", "a+rX", top.toString());
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed with status " + p.exitValue());
        }
    }
}
