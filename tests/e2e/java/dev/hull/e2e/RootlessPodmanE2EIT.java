package dev.hull.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hull.e2e.Commands.Out;
import dev.hull.testing.Leftovers;
import dev.hull.testing.ReadableInstall;
import dev.hull.testing.TestAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rootless podman, as an ordinary user runs it: podman in its own user namespace calls the runtime as uid 0
 * there, with that user's HOME and XDG_RUNTIME_DIR and no runtime flag. The user is nobody (no account
 * to make), with one uid mapped (no /etc/subuid entry), so the image's files are all root's.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RootlessPodmanE2EIT {
    private static final String IMAGE = "localhost/hull-busybox:rootless";
    private static final String NOBODY = "65534";

    @TempDir
    static Path dir;
    private static Path hull;

    /** podman as nobody, in a clean environment of nobody's own. */
    private static List<String> asNobody(String... cmd) {
        List<String> all = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups", "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                "HOME=" + dir.resolve("home"), "USER=nobody", "LOGNAME=nobody",
                "XDG_RUNTIME_DIR=" + dir.resolve("xdg")));
        all.addAll(List.of(cmd));
        return all;
    }

    private static Out podman(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("podman", "--runtime", hull.toString()));
        cmd.addAll(List.of(args));
        return Commands.run(dir, asNobody(cmd.toArray(String[]::new)));
    }

    @BeforeAll
    static void setUp() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String mine : List.of("home", "xdg")) {
            Path d = Files.createDirectory(dir.resolve(mine));
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
            Files.setOwner(d, d.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        }
        Out userns = Commands.run(dir, asNobody("unshare", "--user", "--map-root-user", "true"));
        assumeTrue(userns.code() == 0, "this host gives an ordinary user no user namespace: " + userns.stderr());
        hull = ReadableInstall.copyTo(dir.resolve("inst"));
        Path tar = dir.resolve("busybox.tar");
        Process t = new ProcessBuilder("tar", "-C", TestAssets.busyboxRootfs().toString(), "--owner=0", "--group=0",
                "--numeric-owner", "-cf", tar.toString(), ".").inheritIO().start();
        assertThat(t.waitFor()).isZero();
        ReadableInstall.readable(tar);
        Out imported = podman("import", tar.toString(), IMAGE);
        assertThat(imported.code()).as(imported.stderr()).isZero();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (hull != null) {
            podman("rm", "--all", "--force");
            podman("rmi", "--all", "--force");
        }
        // podman's pause process holds nobody's user namespace until it is killed.
        Path pause = dir.resolve("xdg/libpod/tmp/pause.pid");
        if (Files.exists(pause)) {
            ProcessHandle.of(Long.parseLong(Files.readString(pause).strip())).ifPresent(ProcessHandle::destroyForcibly);
        }
        assertThat(Leftovers.killHull(dir)).as("processes left behind").isEmpty();
    }

    @Test
    void anOrdinaryUserRunsAContainerInAVmWithNoRuntimeFlag() throws Exception {
        Out run = podman("run", "--rm", "--network", "none", IMAGE, "sh", "-c",
                "echo hi from $(id -u) in $(uname -r); exit 3");
        assertThat(run.code()).as(run.stderr()).isEqualTo(3);
        assertThat(run.stdout()).startsWith("hi from 0 in ").contains("-hull");
        // runc's rootless rule: the state is in the user's runtime folder, not the real root's /run/hull.
        assertThat(dir.resolve("xdg/hull")).isDirectory();
    }

    @Test
    void aDetachedContainerExecsStopsAndIsRemoved() throws Exception {
        Out started = podman("run", "-d", "--name", "rl", "--network", "none", IMAGE, "sh", "-c",
                "echo started; sleep 1000");
        assertThat(started.code()).as(started.stderr()).isZero();
        Commands.awaitLog(RootlessPodmanE2EIT::podman, "rl", "started");
        Out exec = podman("exec", "rl", "sh", "-c", "echo from exec; exit 4");
        assertThat(exec.code()).isEqualTo(4);
        assertThat(exec.stdout()).isEqualTo("from exec\n");
        assertThat(podman("stop", "-t", "2", "rl").code()).isZero();
        assertThat(podman("rm", "rl").code()).isZero();
        assertThat(podman("ps", "-aq").stdout()).isEmpty();
    }
}
