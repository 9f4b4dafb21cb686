package dev.hull.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Paths to what the guest build made, and a busybox container root made once per test run. */
public final class TestAssets {
    private static Path rootfs;

    private TestAssets() {
    }

    public static Path projectDir() {
        return Path.of(System.getProperty("hull.project.dir", ".")).toAbsolutePath();
    }

    public static Path guestOut() {
        return Path.of(System.getProperty("hull.guest.out", projectDir().resolve("guest/out").toString()));
    }

    public static Path agentBinary() {
        return existing(guestOut().resolve("hull-agent"));
    }

    public static Path kernel() {
        return existing(guestOut().resolve("vmlinux"));
    }

    public static Path initrd() {
        return existing(guestOut().resolve("initrd.img"));
    }

    public static Path qemu() {
        return existing(Path.of("/usr/bin/qemu-system-x86_64"));
    }

    /** A busybox root filesystem (tests/fixtures/busybox-rootfs.sh), shared read-only by the tests. */
    public static synchronized Path busyboxRootfs() throws IOException, InterruptedException {
        if (rootfs == null) {
            Path dir = projectDir().resolve("target/busybox-rootfs");
            if (!Files.isExecutable(dir.resolve("bin/busybox"))) {
                Process p = new ProcessBuilder("bash",
                        projectDir().resolve("tests/fixtures/busybox-rootfs.sh").toString(), dir.toString())
                        .inheritIO().start();
                if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IOException("busybox-rootfs.sh failed");
                }
            }
            rootfs = dir;
        }
        return rootfs;
    }

    private static Path existing(Path p) {
        if (!Files.exists(p)) {
            throw new IllegalStateException(p + " is missing: run `make guest` first");
        }
        return p;
    }
}
