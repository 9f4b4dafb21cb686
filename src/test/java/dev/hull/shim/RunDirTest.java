package dev.hull.shim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Run folders: the state folder when short, else a hashed one in a base folder nobody else can write to. */
class RunDirTest {
    @TempDir
    Path dir;

    @Test
    void aShortStateFolderIsItsOwnRunFolder() throws Exception {
        assertThat(RunDir.forStateDir(dir, false)).isEqualTo(dir);
    }

    @Test
    void aFolderOthersCanWriteToIsRefused() throws Exception {
        Path deep = dir.resolve("x".repeat(120));
        String tmp = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", dir.toString());
        try {
            Path run = RunDir.path(deep, false);
            Files.createDirectories(run.getParent());
            Files.setPosixFilePermissions(run.getParent(), PosixFilePermissions.fromString("rwxrwxrwx"));
            assertThatThrownBy(() -> RunDir.forStateDir(deep, false)).hasMessageContaining("refusing to use "
                    + run.getParent());
            Files.setPosixFilePermissions(run.getParent(), PosixFilePermissions.fromString("rwx------"));
            assertThat(RunDir.forStateDir(deep, false)).isEqualTo(run).isDirectory();
        } finally {
            System.setProperty("java.io.tmpdir", tmp);
        }
    }

    @Test
    void theBaseIsTheHostRootsOrTheUsersOwnRuntimeFolder() throws Exception {
        assertThat(RunDir.base(true, dir.toString())).isEqualTo(Path.of("/run/hull"));
        // Rootless podman's uid 0 is no host root: /run/hull is not its to use.
        assertThat(RunDir.base(false, dir.toString())).isEqualTo(dir.resolve("hull-run"));
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"), "hull-" + System.getProperty("user.name"));
        assertThat(RunDir.base(false, null)).isEqualTo(tmp);
        assertThat(RunDir.base(false, "relative")).isEqualTo(tmp);
        assertThat(RunDir.base(false, dir.resolve("missing").toString())).isEqualTo(tmp);
    }
}
