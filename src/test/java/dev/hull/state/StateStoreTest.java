package dev.hull.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hull.error.BadInputException;
import dev.hull.error.NotFoundException;
import dev.hull.error.WrongStateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    @TempDir
    Path tmp;
    /** A folder of its own: that "../x" reached nothing is checked in its parent, never /tmp itself. */
    private Path root;

    @BeforeEach
    void makeRoot() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"));
    }

    private static ContainerState state(String id, Status status) {
        return new ContainerState("1.2.0", id, status, 0, "/b", "/b/rootfs", "2026-01-01T00:00:00Z", 0,
                Map.of("k", "v"), 0, 0, "/run", null, null);
    }

    @Test
    void defaultRootIsTheUsersRuntimeDirWhenNotRoot() {
        assertThat(StateStore.defaultRoot(true, tmp.toString())).isEqualTo(tmp.resolve("hull"));
        // No usable XDG_RUNTIME_DIR: the system folder, as runc.
        assertThat(StateStore.defaultRoot(false, tmp.toString())).isEqualTo(StateStore.DEFAULT_ROOT);
        assertThat(StateStore.defaultRoot(true, null)).isEqualTo(StateStore.DEFAULT_ROOT);
        assertThat(StateStore.defaultRoot(true, "")).isEqualTo(StateStore.DEFAULT_ROOT);
        assertThat(StateStore.defaultRoot(true, "run/user")).isEqualTo(StateStore.DEFAULT_ROOT);
        assertThat(StateStore.defaultRoot(true, tmp.resolve("gone").toString())).isEqualTo(StateStore.DEFAULT_ROOT);
    }

    @Test
    void whoKeepsStateInTheRuntimeDirIsRuncsRule() {
        assertThat(StateStore.honoursRuntimeDir(1000, false, "me")).isTrue();
        // The real root: /run/user/0 is no runtime's.
        assertThat(StateStore.honoursRuntimeDir(0, false, "root")).isFalse();
        assertThat(StateStore.honoursRuntimeDir(0, false, null)).isFalse();
        // uid 0 in a user namespace (rootless podman calls the runtime so), unless USER says root.
        assertThat(StateStore.honoursRuntimeDir(0, true, "me")).isTrue();
        assertThat(StateStore.honoursRuntimeDir(0, true, null)).isTrue();
        assertThat(StateStore.honoursRuntimeDir(0, true, "root")).isFalse();
    }

    @Test
    void claimWriteReadListRemove() throws Exception {
        StateStore store = new StateStore(root);
        Path dir = store.claim("c1");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThatThrownBy(() -> store.claim("c1")).isInstanceOf(WrongStateException.class)
                .hasMessage("container 'c1' already exists");
        store.write(state("c1", Status.CREATED));
        assertThat(store.read("c1").annotations()).containsEntry("k", "v");
        store.claim("c0");
        store.write(state("c0", Status.STOPPED));
        assertThat(store.list()).extracting(ContainerState::id).containsExactly("c0", "c1");
        store.remove("c1");
        assertThatThrownBy(() -> store.read("c1")).isInstanceOf(NotFoundException.class)
                .hasMessage("container 'c1' does not exist");
        assertThat(store.list()).hasSize(1);
    }

    @Test
    void anIdThatIsNoIdNeverReachesTheFileSystem() {
        StateStore store = new StateStore(root);
        for (String id : new String[] {"../x", "/tmp/x", "x".repeat(201), ""}) {
            assertThatThrownBy(() -> store.lock(id)).as(id).isInstanceOf(BadInputException.class);
            assertThatThrownBy(() -> store.read(id)).as(id).isInstanceOf(BadInputException.class);
            assertThatThrownBy(() -> store.claim(id)).as(id).isInstanceOf(BadInputException.class);
            assertThatThrownBy(() -> store.dir(id)).as(id).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(root.getParent().resolve("x")).doesNotExist();
    }

    @Test
    void aLiveStatusWhoseShimIsGoneIsStopped() {
        assertThat(state("c", Status.RUNNING).effectiveStatus()).isEqualTo(Status.STOPPED);
        ContainerState self = state("c", Status.RUNNING).started(ProcessHandle.current().pid(),
                ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli(), 0);
        assertThat(self.effectiveStatus()).isEqualTo(Status.RUNNING);
    }
}
