package dev.hull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.state.StateStore;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullCli;
import dev.hull.testing.Leftovers;
import dev.hull.testing.ReadableInstall;
import dev.hull.testing.TestAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's non-root use: a user with a writable --root, a readable kernel and guest image, and no
 * mounts to honour can create, start and delete.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliNonRootIT {
    @TempDir
    Path dir;

    @AfterEach
    void nothingLeftBehind() {
        assertThat(Leftovers.killAll(dir)).as("processes left behind").isEmpty();
    }

    /** The installation, image and bundle a user who is not root can read; returns the bundle. */
    private Path setUp() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        // The default guest lives in root's cache; give this user readable copies, as the seed asks.
        Path guest = Files.createDirectory(dir.resolve("guest"));
        Files.copy(TestAssets.kernel(), guest.resolve("vmlinux"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(TestAssets.initrd(), guest.resolve("initrd.img"), StandardCopyOption.REPLACE_EXISTING);
        // An installation and an image this user can read, wherever the project was checked out.
        ReadableInstall.copyTo(dir.resolve("inst"));
        Path rootfs = dir.resolve("rootfs");
        Process copy = new ProcessBuilder("cp", "-a", TestAssets.busyboxRootfs().toString(), rootfs.toString())
                .inheritIO().start();
        assertThat(copy.waitFor()).isZero();
        ObjectNode config = Bundles.config("sh", "-c", "echo hi from $(id -u) in $(uname -r)");
        ((ObjectNode) config.get("root")).put("path", rootfs.toString());
        config.putObject("vm").put("initrd", guest.resolve("initrd.img").toString())
                .putObject("kernel").put("path", guest.resolve("vmlinux").toString());
        Path bundle = Bundles.write(dir.resolve("bundle"), config);
        ReadableInstall.readable(dir);
        return bundle;
    }

    /**
     * Hull as nobody, its environment as {@code env} makes it. No coverage agent for nobody (`make docs`,
     * hence -u HULL_JVM_OPTIONS): it can neither read the jar in root's Maven folder nor write the data.
     */
    private HullCli asNobody(String... env) throws Exception {
        var prefix = new ArrayList<String>(List.of("env"));
        prefix.addAll(List.of(env));
        prefix.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
        return new HullCli(dir, dir.resolve("inst/bin/hull"), prefix);
    }

    @Test
    void nobodyCanCreateStartAndDelete() throws Exception {
        Path bundle = setUp();
        HullCli hull = asNobody("-u", "HULL_JVM_OPTIONS");
        UserPrincipal nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(hull.root(), nobody);

        Path out = dir.resolve("container.out");
        Path err = dir.resolve("container.err");
        Process create = hull.start(null, out, err, "create", "-b", bundle.toString(), "mine");
        assertThat(create.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(create.exitValue()).as(Files.readString(err)).isZero();
        assertThat(Files.getOwner(hull.root().resolve("mine/state.json")).getName()).isEqualTo("nobody");
        // virtiofsd's sandbox needs root: without it the root goes over 9p.
        assertThat(Files.readString(hull.root().resolve("mine/state.json"))).contains("\"share\":\"9p\"");
        hull.run("start", "mine").assertOk();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(out).contains("hi") && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        assertThat(Files.readString(out)).startsWith("hi from 0 in ").contains("-hull");
        while (!hull.run("state", "mine").stdout().contains("stopped") && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        hull.run("delete", "mine").assertOk();
        assertThat(Files.exists(hull.root().resolve("mine"))).isFalse();
    }

    @Test
    void withoutRootTheStateGoesToTheUsersRuntimeDir() throws Exception {
        Path bundle = setUp();
        // As runc ($XDG_RUNTIME_DIR/runc): a rootless podman calls with no --root and that user's runtime dir.
        Path xdg = Files.createDirectory(dir.resolve("xdg"));
        UserPrincipal nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(xdg, nobody);
        Files.setPosixFilePermissions(xdg, PosixFilePermissions.fromString("rwx------"));
        HullCli hull = asNobody("-u", "HULL_JVM_OPTIONS", "XDG_RUNTIME_DIR=" + xdg).withDefaultRoot();

        hull.run("create", "-b", bundle.toString(), "xdg-mine").assertOk();
        assertThat(xdg.resolve("hull/xdg-mine/state.json")).exists();
        assertThat(Files.exists(StateStore.DEFAULT_ROOT.resolve("xdg-mine"))).isFalse();
        assertThat(hull.run("state", "xdg-mine").assertOk().stdout()).contains("created");
        assertThat(hull.run("list", "-q").assertOk().stdout().lines().toList()).containsExactly("xdg-mine");
        hull.run("delete", "xdg-mine").assertOk();
        assertThat(xdg.resolve("hull/xdg-mine")).doesNotExist();
        assertThat(hull.run("list", "-q").assertOk().stdout()).isEmpty();
    }
}
