package dev.hull.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hull.testing.Golden;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * state.json against {@code golden/state/*.json}, both ways, byte for byte: StateJson's output is
 * deterministic (fields in a fixed order, no spaces), and every Hull, older or newer, reads these files. A
 * field renamed in the writer changes the bytes; one renamed in the reader reads as null or 0 and the record
 * differs (every field is set in at least one file: {@link #everyFieldIsSetInSomeGoldenFile()}).
 */
class StateJsonTest {
    private static final ContainerState.VmInfo VM = new ContainerState.VmInfo("/usr/bin/qemu-system-x86_64",
            "/opt/hull/guest/out/vmlinux", "/opt/hull/guest/out/initrd.img", null, 256, 1, "tcg", "virtiofs",
            "sand", null);

    /** A pod's sandbox (its shim boots the VM) just created, a running container, a stopped one, a member. */
    static Stream<Arguments> states() {
        Map<String, String> sandbox = new LinkedHashMap<>();
        sandbox.put("io.kubernetes.cri.container-type", "sandbox");
        sandbox.put("io.kubernetes.cri.sandbox-id", "sand");
        Map<String, String> member = new LinkedHashMap<>();
        member.put("io.kubernetes.cri.container-type", "container");
        member.put("io.kubernetes.cri.sandbox-id", "sand");
        return Stream.of(
                Arguments.of("state/created.json", new ContainerState("1.2.0", "sand", Status.CREATED, 13263,
                        "/run/k8s/sand", "/run/k8s/sand/rootfs", "2026-12-02T04:10:10.435523230Z", 0, sandbox,
                        1796184609710L, 13315, "/run/hull/3f2a9c", null, VM)),
                Arguments.of("state/running.json", new ContainerState("1.2.0", "web", Status.RUNNING, 20511,
                        "/home/u/web", "/home/u/web/rootfs", "2026-12-02T04:12:00.000000001Z", 1000, Map.of(),
                        1796184720001L, 20533, "/tmp/hull-u/9e1b07", null,
                        new ContainerState.VmInfo("/usr/bin/qemu-system-x86_64", "/opt/hull/guest/out/vmlinux",
                                "/opt/hull/guest/out/initrd.img", "/var/lib/hull/web.img", 1088, 2, "kvm", "9p",
                                "web", "3c5e0f6a1b2d4e78-0a9b8c7d6e5f4a3b"))),
                Arguments.of("state/stopped.json", new ContainerState("1.2.0", "job", Status.STOPPED, 14870, "/b/job",
                        "/b/job/rootfs", "2026-12-02T04:13:30.5Z", 0, Map.of(), 1796184810250L, 14893,
                        "/var/run/hull/job", 137, new ContainerState.VmInfo("/usr/bin/qemu-system-x86_64",
                                "/opt/hull/guest/out/vmlinux", "/opt/hull/guest/out/initrd.img", null, 256, 1,
                                "tcg", "virtiofs", "job", null))),
                Arguments.of("state/member.json", new ContainerState("1.2.0", "mem", Status.RUNNING, 13422,
                        "/run/k8s/mem", "/run/k8s/mem/rootfs", "2026-12-02T04:10:12.712366857Z", 0, member,
                        1796184612350L, 0, "/run/hull/5d0c11", null, VM)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("states")
    void writesTheGoldenFile(String file, ContainerState state) throws Exception {
        Golden.assertWritten(file, new String(StateJson.write(state), StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("states")
    void readsTheGoldenFile(String file, ContainerState state) throws Exception {
        assertThat(StateJson.read(Golden.read(file).getBytes(StandardCharsets.UTF_8))).isEqualTo(state);
    }

    /** Else a field the reader misnamed could read as its default in every file and go unseen. */
    @Test
    void everyFieldIsSetInSomeGoldenFile() {
        List<ContainerState> all = states().map(a -> (ContainerState) a.get()[1]).toList();
        assertThat(unset(ContainerState.class, all)).isEmpty();
        assertThat(unset(ContainerState.VmInfo.class, all.stream().map(ContainerState::vm).toList())).isEmpty();
    }

    private static List<String> unset(Class<? extends Record> type, List<? extends Record> records) {
        return Stream.of(type.getRecordComponents()).filter(c -> records.stream().allMatch(r -> unset(c, r)))
                .map(RecordComponent::getName).toList();
    }

    private static boolean unset(RecordComponent c, Record r) {
        try {
            Object v = c.getAccessor().invoke(r);
            return v == null || v instanceof Number n && n.longValue() == 0 || v instanceof Map<?, ?> m && m.isEmpty();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** What the record binding of earlier Hulls wrote (a live container's file survives an upgrade). */
    @Test
    void readsTheFilesEarlierHullsWrote() throws Exception {
        String old = """
                {"ociVersion":"1.2.0","id":"cs3","status":"created","pid":11748,"bundle":"/tmp/fg",\
                "rootfs":"/tmp/fg/rootfs","created":"2026-11-29T03:28:20.147463181Z","owner":0,"annotations":{},\
                "shimStarted":1795922899750,"qemuPid":11764,"runDir":"/run/c/cs3","unknown":[1],\
                "vm":{"hypervisor":"/usr/bin/qemu-system-x86_64","kernel":"/k","initrd":"/i","image":null,\
                "memoryMiB":256,"cpus":1,"accel":"tcg"}}""";
        assertThat(StateJson.read(old.getBytes(StandardCharsets.UTF_8))).isEqualTo(new ContainerState("1.2.0", "cs3",
                Status.CREATED, 11748, "/tmp/fg", "/tmp/fg/rootfs", "2026-11-29T03:28:20.147463181Z", 0, Map.of(),
                1795922899750L, 11764, "/run/c/cs3", null,
                new ContainerState.VmInfo("/usr/bin/qemu-system-x86_64", "/k", "/i", null, 256, 1, "tcg", "9p", null,
                        null)));
    }

    /** A file written by hand or by another tool: `state` printed no annotations, it failed on none at all. */
    @Test
    void aFileWithoutAnnotationsHasNone() throws Exception {
        assertThat(StateJson.read("{\"id\":\"c\",\"status\":\"stopped\"}".getBytes(StandardCharsets.UTF_8))
                .annotations()).isEmpty();
    }

    @Test
    void aFileThatIsNoObjectIsAnError() {
        assertThatThrownBy(() -> StateJson.read("[1]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessageContaining("not a JSON object");
    }
}
