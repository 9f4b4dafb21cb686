package dev.hull.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hull.error.InternalException;
import dev.hull.error.WrongStateException;
import dev.hull.logging.Log;
import dev.hull.state.ContainerState;
import dev.hull.state.StateStore;
import dev.hull.state.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each way a container ends, as the ordered list of what it asks of the host (a recording fake). */
class TeardownTest {
    private static final long SHIM = 100;
    private static final long QEMU = 200;

    /** The shim asked to SIGKILL everything, and waited for. */
    private static final List<String> SHIM_KILLED = List.of("shim kill run/c1/shim.sock", "await shim 100");
    /** The VM owner waited for, and the recorded qemu's pid read back before it is killed. */
    private static final List<String> OWNER_THEN_QEMU = List.of("await owner run/c1", "command line 200");
    private static final String CGROUP = "cgroup processes root/c1/cgroups";
    private static final String SCAN = "scan [root/c1/, run/c1/]";
    /** A container's folders, taps and host cgroup removed, once nothing of it runs. */
    private static final List<String> REMOVED = List.of("remove taps run/c1", "delete run/c1",
            "remove cgroup root/c1/cgroups", "delete root/c1");

    @TempDir
    Path tmp;
    private StateStore store;
    private RecordingHost host;
    private Teardown teardown;
    private Path runDir;

    @BeforeEach
    void setUp() {
        store = new StateStore(tmp.resolve("root"));
        host = new RecordingHost(tmp);
        teardown = new Teardown(host);
        runDir = tmp.resolve("run/c1");
        Log.configure(tmp.resolve("log"), Log.Format.TEXT, false, List.of());
    }

    @AfterEach
    void resetLog() {
        Log.configure(null, Log.Format.TEXT, false, List.of());
    }

    private ContainerState saved(Status status, long pid, long qemu, Path run, String pod) throws Exception {
        String id = "c1";
        var vm = pod == null ? null
                : new ContainerState.VmInfo("qemu", "vmlinux", "initrd", null, 256, 1, "tcg", "9p", pod, null);
        var st = new ContainerState(ContainerState.OCI_VERSION, id, status, pid, tmp.resolve("bundle").toString(),
                tmp.resolve("bundle/rootfs").toString(), "2024-01-01T00:00:00Z", 0, Map.of(), 1, qemu,
                run == null ? null : run.toString(), null, vm);
        store.claim(id);
        store.write(st);
        return st;
    }

    private List<String> logged(String level) throws IOException {
        Path log = tmp.resolve("log");
        if (!Files.exists(log)) {
            return List.of();
        }
        return Files.readAllLines(log).stream().filter(l -> l.contains(" level=" + level + " "))
                .map(l -> l.substring(l.indexOf("msg=\"") + 5, l.length() - 1)).toList();
    }

    /** The steps, with lists of them spliced in. */
    private static List<String> steps(Object... parts) {
        List<String> out = new ArrayList<>();
        for (Object part : parts) {
            if (part instanceof List<?> list) {
                list.forEach(s -> out.add((String) s));
            } else {
                out.add((String) part);
            }
        }
        return out;
    }

    @Test
    void aStoppedContainerIsRemovedWithNothingToKill() throws Exception {
        saved(Status.STOPPED, SHIM, QEMU, runDir, null);

        teardown.delete(store, "c1", false);

        // qemu's pid is read back: gone (or another program's), it is left alone.
        assertThat(host.steps).isEqualTo(steps(
                OWNER_THEN_QEMU, CGROUP, REMOVED, "poststop c1"));
        assertThat(logged("info")).containsExactly("deleted c1");
        assertThat(logged("warning")).isEmpty();
    }

    @Test
    void aRunningContainerIsRefusedWithoutForceAndNothingIsTouched() throws Exception {
        saved(Status.RUNNING, SHIM, QEMU, runDir, null);
        host.shimAlive = true;

        assertThatThrownBy(() -> teardown.delete(store, "c1", false)).isInstanceOf(WrongStateException.class)
                .hasMessage("cannot delete container 'c1' that is running: stop it first or use --force");
        assertThat(host.steps).isEmpty();
    }

    @Test
    void aRunningContainerIsKilledThroughItsShimThenItsOwnerAndQemuAreWaitedForAndEnded() throws Exception {
        saved(Status.RUNNING, SHIM, QEMU, runDir, null);
        host.shimAlive = true;
        host.commandLines.put(QEMU, "qemu-system-x86_64 -chardev socket,path=" + runDir + "/qmp.sock");
        host.inCgroup.add(300L);

        teardown.delete(store, "c1", true);

        assertThat(host.steps).isEqualTo(steps(
                SHIM_KILLED, OWNER_THEN_QEMU, "end [200]", CGROUP, "end [300]", REMOVED, "poststop c1"));
        assertThat(logged("info")).containsExactly("ended 1 processes c1 left behind", "deleted c1");
    }

    @Test
    void aShimThatCannotBeReachedIsStillWaitedFor() throws Exception {
        saved(Status.PAUSED, SHIM, QEMU, runDir, null);
        host.shimAlive = true;
        host.shimRefuses = true;

        teardown.delete(store, "c1", true);

        assertThat(host.steps).startsWith(steps(SHIM_KILLED, "await owner run/c1").toArray(String[]::new));
        assertThat(logged("warning")).isEmpty();
    }

    @Test
    void aShimThatDoesNotStopInTimeIsKilledForcibly() throws Exception {
        saved(Status.RUNNING, SHIM, QEMU, runDir, null);
        host.shimAlive = true;
        host.shimStops = false;
        host.ownerEnds = false;

        teardown.delete(store, "c1", true);

        assertThat(host.steps).startsWith(steps(SHIM_KILLED, "destroy 100", OWNER_THEN_QEMU)
                .toArray(String[]::new));
        assertThat(logged("warning")).containsExactly("shim 100 of c1 did not stop; killing it",
                "the VM owner of c1 did not end");
    }

    @Test
    void aShimThatDiedBeforeRecordingQemuIsLookedForByItsFolders() throws Exception {
        // Recorded as created, its shim gone: it counts as stopped, so no --force is needed.
        saved(Status.CREATED, SHIM, 0, runDir, null);
        host.naming.addAll(List.of(401L, 402L));

        teardown.delete(store, "c1", false);

        assertThat(host.steps).isEqualTo(steps(
                "await owner run/c1", CGROUP, SCAN, "end [401, 402]", REMOVED, "poststop c1"));
    }

    @Test
    void aPodMemberWhoseProcessWasNeverRecordedIsLookedForByItsFolders() throws Exception {
        Path own = store.dir("c1");
        saved(Status.STOPPED, 0, 0, own, "sandbox");

        teardown.delete(store, "c1", false);

        // Its run folder is its state folder (short enough): removed once.
        assertThat(host.steps).containsExactly(
                "await owner root/c1",
                CGROUP,
                "scan [root/c1/, root/c1/]",
                "remove taps root/c1",
                "remove cgroup root/c1/cgroups",
                "delete root/c1",
                "poststop c1");
    }

    @Test
    void aPodMemberWithARecordedProcessIsNotLookedFor() throws Exception {
        saved(Status.STOPPED, 55, 0, runDir, "sandbox");

        teardown.delete(store, "c1", false);

        assertThat(host.steps).noneMatch(s -> s.startsWith("scan")).doesNotContain("command line 0");
        assertThat(host.steps).startsWith("await owner run/c1", CGROUP);
    }

    @Test
    void leftoversThatDoNotEndAreWarnedOfAndTheRestStillGoes() throws Exception {
        saved(Status.STOPPED, SHIM, QEMU, runDir, null);
        host.commandLines.put(QEMU, "qemu-system-x86_64 -name hull-c1 -D " + runDir + "/qemu.log");
        host.inCgroup.addAll(List.of(300L, 301L));
        host.stuck.addAll(List.of(QEMU, 301L));
        host.cgroupLeft.add(Path.of("/sys/fs/cgroup/c1"));

        teardown.delete(store, "c1", false);

        assertThat(host.steps).isEqualTo(steps(
                OWNER_THEN_QEMU, "end [200]", CGROUP, "end [300, 301]", REMOVED, "poststop c1"));
        assertThat(logged("warning")).containsExactly("qemu 200 did not exit", "process 301 of c1 did not end",
                "cgroups of c1 still in use, left: [/sys/fs/cgroup/c1]");
    }

    @Test
    void anUnreadableStateIsAnErrorWithoutForce() throws Exception {
        store.claim("c1");
        Files.writeString(store.dir("c1").resolve("state.json"), "{ broken");

        assertThatThrownBy(() -> teardown.delete(store, "c1", false)).isInstanceOf(InternalException.class)
                .hasMessageStartingWith("the state of container 'c1' cannot be read (")
                .hasMessageEndingWith("): delete --force removes it");
        assertThat(host.steps).isEmpty();
    }

    @Test
    void anUnreadableStateWithForceIsRemovedByWhatNamesItsFolders() throws Exception {
        store.claim("c1");
        Files.writeString(store.dir("c1").resolve("state.json"), "{ broken");
        host.runDir = runDir;
        host.inCgroup.add(300L);
        host.naming.add(301L);

        teardown.delete(store, "c1", true);

        List<String> unreadable = steps(CGROUP, SCAN, "end [300, 301]", REMOVED);
        assertThat(host.steps).isEqualTo(unreadable);
        assertThat(logged("warning")).containsExactly("deleted c1, whose state could not be read");

        // The other front's entry for the same: the same steps, under the container's lock.
        host.steps.clear();
        teardown.removeUnreadable(store, "c1");
        assertThat(host.steps).isEqualTo(unreadable);
    }

    @Test
    void aFailedCreateEndsWhatItStartedAndRemovesItsFolders() throws Exception {
        Path dir = store.claim("c1");
        host.naming.add(401L);

        teardown.afterFailedCreate("c1", dir, runDir);

        assertThat(host.steps).isEqualTo(steps(CGROUP, SCAN, "end [401]", REMOVED));
        assertThat(logged("info")).containsExactly("ended 1 processes c1 left behind");
    }

    @Test
    void aCreateThatFailedBeforeItsRunFolderOnlyRemovesItsStateFolder() throws Exception {
        Path dir = store.claim("c1");

        teardown.afterFailedCreate("c1", dir, null);

        assertThat(host.steps).containsExactly("remove cgroup root/c1/cgroups", "delete root/c1");
    }

    @Test
    void aFailedMemberCreateOnlyRemovesItsFolders() throws Exception {
        Path dir = store.claim("c1");

        teardown.afterFailedMember("c1", dir, runDir);

        assertThat(host.steps).isEqualTo(REMOVED);
    }

    @Test
    void anAttachedRunIsCleanedUpWithoutKillingAnything() throws Exception {
        saved(Status.STOPPED, SHIM, QEMU, runDir, null);

        teardown.afterRun(store, "c1");

        assertThat(host.steps).isEqualTo(steps(
                REMOVED, "poststop c1"));
    }

    @Test
    void stopEndsTheShimAndTheVmButKeepsTheContainer() throws Exception {
        saved(Status.RUNNING, SHIM, QEMU, runDir, null);
        host.shimAlive = true;

        teardown.stop(store, "c1");

        assertThat(host.steps).isEqualTo(steps(SHIM_KILLED, OWNER_THEN_QEMU));
    }
}
