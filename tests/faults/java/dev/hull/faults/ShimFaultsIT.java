package dev.hull.faults;

import dev.hull.testing.Bundles;
import dev.hull.testing.HullTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hull's own processes killed at the worst moments: the container's status stays true, nothing is left
 * running, and delete still works. (HullTest checks after each case that no process naming the test's
 * folder is left.)
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ShimFaultsIT extends HullTest {

    private Optional<ProcessHandle> find(String... parts) {
        return Procs.find(dir, parts);
    }

    private ProcessHandle await(String... parts) throws Exception {
        return Procs.await(dir, parts);
    }

    @ParameterizedTest
    @ValueSource(strings = {"virtiofs", "9p"})
    void theShimKilledWhileTheVmBootsLeavesNothing(String share) throws Exception {
        var config = Bundles.config("sleep", "1000");
        config.putObject("vm").put("share", share);
        Path bundle = Bundles.write(dir.resolve("b"), config);
        Process create = hull.start(null, dir.resolve("create.out"), dir.resolve("create.err"), "create", "-b",
                bundle.toString(), "boot");
        ProcessHandle qemu = await("qemu-system");
        ProcessHandle shim = qemu.parent().orElseThrow();
        shim.destroyForcibly();
        assertThat(create.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(create.exitValue()).isEqualTo(1);
        // qemu and virtiofsd went with the failed create; the id is free again.
        assertThat(qemu.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
        assertThat(find("virtiofsd")).isEmpty();
        assertThat(status("boot")).isEqualTo("absent");
    }

    /** qemu or virtiofsd killed while the VM boots: create fails with the reason, and nothing is left. */
    @ParameterizedTest
    @ValueSource(strings = {"qemu-system", "virtiofsd"})
    void aVmProcessKilledWhileTheVmBootsFailsCreate(String which) throws Exception {
        var config = Bundles.config("sleep", "1000");
        config.putObject("vm").put("share", "virtiofs");
        Path bundle = Bundles.write(dir.resolve("b"), config);
        Process create = hull.start(null, dir.resolve("create.out"), dir.resolve("create.err"), "create", "-b",
                bundle.toString(), "boot");
        await(which).destroyForcibly();
        assertThat(create.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(dir.resolve("create.err"));
        if (create.exitValue() == 0) {
            // Killed after the guest had answered: the container was made, and is now stopped as killed.
            awaitStatus("boot", "stopped");
            hull.run("delete", "boot").assertOk();
        } else {
            assertThat(create.exitValue()).isEqualTo(1);
            assertThat(err.lines().toList()).hasSize(1);
            assertThat(err).startsWith("hull: ");
        }
        assertThat(status("boot")).isEqualTo("absent");
        assertThat(find("qemu-system")).isEmpty();
        assertThat(find("virtiofsd")).isEmpty();
    }

    /** The shim killed while a start or a delete talks to it: the status stays true, delete finishes. */
    @ParameterizedTest
    @ValueSource(strings = {"start", "delete"})
    void theShimKilledDuringAVerb(String verb) throws Exception {
        hull.run("create", "-b", Bundles.of(dir.resolve("b"), "sleep", "1000").toString(), "v").assertOk();
        ProcessHandle shim = ProcessHandle.of(Long.parseLong(Bundles.JSON.readTree(hull.run("state", "v")
                .assertOk().stdout()).get("pid").asText())).orElseThrow();
        Process cli = verb.equals("start")
                ? hull.start(null, dir.resolve("v.out"), dir.resolve("v.err"), "start", "v")
                : hull.start(null, dir.resolve("v.out"), dir.resolve("v.err"), "delete", "-f", "v");
        shim.destroyForcibly();
        assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(status("v")).isIn("stopped", "absent");
        if (!status("v").equals("absent")) {
            hull.run("delete", "v").assertOk();
        }
        assertThat(find("qemu-system")).isEmpty();
        assertThat(find("virtiofsd")).isEmpty();
    }

    @Test
    void theShimKilledWhileRunningIsStoppedAndDeleteEndsItsVm() throws Exception {
        hull.run("run", "-d", "-b", Bundles.of(dir.resolve("b"), "sleep", "1000").toString(), "run").assertOk();
        ProcessHandle shim = ProcessHandle.of(Long.parseLong(Bundles.JSON.readTree(hull.run("state", "run")
                .assertOk().stdout()).get("pid").asText())).orElseThrow();
        shim.destroyForcibly();
        shim.onExit().get(10, TimeUnit.SECONDS);
        awaitStatus("run", "stopped");
        hull.run("delete", "run").assertOk();
        assertThat(find("qemu-system")).isEmpty();
        assertThat(find("virtiofsd")).isEmpty();
    }

    /**
     * The VM owner (the JVM holding qemu, which no manager holds) killed: the container's pid ends with it,
     * as a container killed with its VM, and delete ends what it left.
     */
    @Test
    void theVmOwnerKilledWhileRunningEndsTheContainersPid() throws Exception {
        hull.run("run", "-d", "-b", Bundles.of(dir.resolve("b"), "sleep", "1000").toString(), "own").assertOk();
        ProcessHandle anchor = ProcessHandle.of(Long.parseLong(Bundles.JSON.readTree(hull.run("state", "own")
                .assertOk().stdout()).get("pid").asText())).orElseThrow();
        ProcessHandle owner = await("qemu-system").parent().orElseThrow();
        assertThat(owner.pid()).isNotEqualTo(anchor.pid());
        owner.destroyForcibly();
        assertThat(anchor.onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
        awaitStatus("own", "stopped");
        hull.run("delete", "own").assertOk();
        assertThat(find("qemu-system")).isEmpty();
        assertThat(find("virtiofsd")).isEmpty();
    }

    @Test
    void qemuKilledWhileRunningStopsTheContainerAsKilled() throws Exception {
        hull.run("run", "-d", "-b", Bundles.of(dir.resolve("b"), "sleep", "1000").toString(), "vm").assertOk();
        ProcessHandle qemu = await("qemu-system");
        qemu.destroyForcibly();
        awaitStatus("vm", "stopped");
        hull.run("delete", "vm").assertOk();
        assertThat(find("virtiofsd")).isEmpty();
    }

    @Test
    void virtiofsdKilledWhileRunningEndsTheContainerAtOnce() throws Exception {
        var config = Bundles.config("sleep", "1000");
        config.putObject("vm").put("share", "virtiofs");
        hull.run("run", "-d", "-b", Bundles.write(dir.resolve("b"), config).toString(), "fs").assertOk();
        await("virtiofsd").destroyForcibly();
        // Not "running" with a root that hangs every access: stopped, as killed, and gone at once.
        awaitStatus("fs", "stopped");
        assertThat(hull.run("exec", "fs", "true").code()).isNotZero();
        hull.run("delete", "fs").assertOk();
        assertThat(find("qemu-system")).isEmpty();
    }

    /**
     * A manager that reads the output late (here 35 s: the shim used to give up after 30) still gets every
     * byte and the workload's own exit status.
     */
    @Test
    void aLateReaderGetsEveryByteAndTheExitStatus() throws Exception {
        Path bundle = Bundles.of(dir.resolve("b"), "sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x; exit 3");
        Process run = new ProcessBuilder(hull.command("run", "-b", bundle.toString(), "late"))
                .redirectError(dir.resolve("late.err").toFile()).start();
        Thread.sleep(35_000);
        byte[] out = run.getInputStream().readAllBytes();
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out.length).as("bytes that reached the reader").isEqualTo(200_000);
        assertThat(run.exitValue()).isEqualTo(3);
    }

    /** Five creates of one id at once: one container, four clear errors, one VM. */
    @Test
    void fiveCreatesOfOneIdMakeOneContainer() throws Exception {
        Path bundle = Bundles.of(dir.resolve("b"), "sleep", "1000");
        List<Process> creates = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            creates.add(hull.start(null, dir.resolve("c" + i + ".out"), dir.resolve("c" + i + ".err"), "create",
                    "-b", bundle.toString(), "same"));
        }
        int ok = 0;
        for (int i = 0; i < 5; i++) {
            assertThat(creates.get(i).waitFor(120, TimeUnit.SECONDS)).isTrue();
            if (creates.get(i).exitValue() == 0) {
                ok++;
            } else {
                assertThat(Files.readString(dir.resolve("c" + i + ".err"))).contains("already exists");
            }
        }
        assertThat(ok).isEqualTo(1);
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
                .map(c -> c.contains("qemu-system") && c.contains(dir.toString())).orElse(false)).count()).isEqualTo(1);
        assertThat(status("same")).isEqualTo("created");
        hull.run("delete", "-f", "same").assertOk();
    }

    /** The CLI killed while it waits for the VM: the container is made all the same and delete removes it. */
    @Test
    void theCliKilledDuringCreateLeavesADeletableContainer() throws Exception {
        Path bundle = Bundles.of(dir.resolve("b"), "sleep", "1000");
        Process create = hull.start(null, dir.resolve("cli.out"), dir.resolve("cli.err"), "create", "-b",
                bundle.toString(), "orphan");
        await("qemu-system");
        create.destroyForcibly();
        create.waitFor(10, TimeUnit.SECONDS);
        waitFor(Duration.ofSeconds(60), () -> !status("orphan").equals("creating"));
        assertThat(status("orphan")).isIn("created", "stopped", "absent");
        if (!status("orphan").equals("absent")) {
            hull.run("delete", "-f", "orphan").assertOk();
        }
        assertThat(find("qemu-system")).isEmpty();
    }

    /**
     * A workload that can write the serial port (here given /dev/ttyS0) floods the VM's console log, which
     * lives in the run folder (tmpfs as root: the host's RAM): the log is cut back under its bound, ~1 MiB,
     * while the guest writes several times that.
     */
    @Test
    void aGuestFloodingItsConsoleIsCutShort() throws Exception {
        // Its own deadline, not timeout(1): that ends the loop's shell and leaves its cat writing.
        var config = Bundles.config("sh", "-c", "end=$(($(date +%s) + 6)); while [ $(date +%s) -lt $end ];"
                + " do cat /bin/busybox > /dev/ttyS0; done; touch /flood-done; exec sleep 1000");
        var linux = config.putObject("linux");
        linux.putArray("devices").addObject().put("path", "/dev/ttyS0").put("type", "c").put("major", 4)
                .put("minor", 64).put("fileMode", 0666).put("uid", 0).put("gid", 0);
        linux.putObject("resources").putArray("devices").addObject().put("allow", true).put("access", "rwm");
        Path bundle = Bundles.write(dir.resolve("b"), config);
        hull.run("run", "-d", "-b", bundle.toString(), "flood").assertOk();
        waitFor(Duration.ofSeconds(60), () -> Files.exists(bundle.resolve("rootfs/flood-done")));
        // The bound is looked at every second: two looks after the last write.
        Thread.sleep(2500);
        Path runDir = Path.of(Bundles.JSON.readTree(Files.readString(hull.root().resolve("flood/state.json")))
                .get("runDir").asText());
        assertThat(Files.size(runDir.resolve("console.log"))).isLessThanOrEqualTo(1 << 20);
        assertThat(Files.readString(hull.root().resolve("hull.log"))).contains("console log of hull-flood");
        hull.run("delete", "-f", "flood").assertOk();
    }
}
