package dev.hull.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hull.agent.Results.ExitStatus;
import dev.hull.oci.Process;
import dev.hull.testing.HostAgent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Java client driving the real hull-agent in host mode (root, namespaces, a busybox root). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentHostModeIT {
    private static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private HostAgent agent;
    private AgentClient client;

    @BeforeEach
    void startAgent() throws Exception {
        agent = HostAgent.start(dir);
        client = agent.client();
    }

    @AfterEach
    void stopAgent() throws Exception {
        agent.close();
    }

    /** What a finished process left: its status and both output streams. */
    private record Run(ExitStatus status, String stdout, String stderr) {
    }

    private Run run(String container, Process process, byte[] stdin) throws Exception {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        ProcessStreams io = client.streams(out, err, stdin != null);
        client.create(new Request.Create(container, container, false, process, null, io.wire()), T);
        var exit = client.waitFor(container, null);
        client.start(container, T);
        if (stdin != null) {
            io.pumpStdin(new ByteArrayInputStream(stdin));
        }
        ExitStatus status = exit.get(T.toSeconds(), TimeUnit.SECONDS);
        io.awaitOutput(T);
        client.delete(container, T);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void echoPrintsAndExitsZero() throws Exception {
        Run r = run("c1", Process.of("echo", "hi"), null);
        assertThat(r.stdout()).isEqualTo("hi\n");
        assertThat(r.status()).isEqualTo(new ExitStatus(0, 0));
    }

    @Test
    void exitCodeIsReported() throws Exception {
        Run r = run("c1", Process.of("sh", "-c", "exit 42"), null);
        assertThat(r.status()).isEqualTo(new ExitStatus(42, 0));
    }

    /**
     * The workload is PID 1 of its pid namespace, as with runc: {@code $$} is 1, /proc/1/cmdline is its own,
     * and the kernel drops the signals it sends itself without a handler, SIGKILL included.
     */
    @Test
    void theWorkloadIsPid1AndIgnoresItsOwnUnhandledSignals() throws Exception {
        Run r = run("c1", Process.of("sh", "-c", "echo pid $$; kill -TERM 1; kill -9 $$; echo survived; "
                + "tr '\\0' ' ' < /proc/1/cmdline; echo"), null);
        assertThat(r.stdout()).startsWith("pid 1\nsurvived\nsh -c echo pid $$");
        assertThat(r.status()).isEqualTo(new ExitStatus(0, 0));
    }

    /** An exec'd process killed by a signal reports it as 128+signal. */
    @Test
    void killingSignalIsReported() throws Exception {
        ProcessStreams io = client.streams(OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), false);
        client.create(new Request.Create("box", null, false, Process.of("sleep", "100"), null, io.wire()), T);
        client.start("box", T);
        ProcessStreams eio = client.streams(OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), false);
        client.exec(new Request.Exec("box", "e1", Process.of("sh", "-c", "kill -9 $$"), eio.wire()), T);
        assertThat(client.waitFor("box", "e1").get(T.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo(new ExitStatus(137, 9));
    }

    /** When the namespace's init (the workload) ends, the kernel ends every process still in it. */
    @Test
    void theWorkloadsEndEndsItsExecdProcesses() throws Exception {
        ProcessStreams io = client.streams(OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), false);
        client.create(new Request.Create("box", null, false, Process.of("sleep", "2"), null, io.wire()), T);
        var exit = client.waitFor("box", null);
        client.start("box", T);
        ProcessStreams eio = client.streams(OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), false);
        client.exec(new Request.Exec("box", "e1", Process.of("sleep", "100"), eio.wire()), T);
        assertThat(exit.get(T.toSeconds(), TimeUnit.SECONDS)).isEqualTo(new ExitStatus(0, 0));
        assertThat(client.waitFor("box", "e1").get(T.toSeconds(), TimeUnit.SECONDS))
                .isEqualTo(new ExitStatus(137, 9));
    }

    @Test
    void stdoutAndStderrStaySeparate() throws Exception {
        Run r = run("c1", Process.of("sh", "-c", "echo out; echo err >&2; echo out2"), null);
        assertThat(r.stdout()).isEqualTo("out\nout2\n");
        assertThat(r.stderr()).isEqualTo("err\n");
    }

    /** One sink for both is one stream: the writes arrive in the order the process made them, as with 2>&1. */
    @Test
    void stdoutAndStderrAsOneStreamKeepTheirOrder() throws Exception {
        var both = new ByteArrayOutputStream();
        ProcessStreams io = client.streams(both, both, false);
        assertThat(io.wire().stderr()).isEqualTo(io.wire().stdout());
        client.create(new Request.Create("c1", "c1", false, Process.of("sh", "-c",
                "for i in 1 2 3 4 5 6 7 8 9 10; do echo out$i; echo err$i >&2; done"), null, io.wire()), T);
        var exit = client.waitFor("c1", null);
        client.start("c1", T);
        assertThat(exit.get(T.toSeconds(), TimeUnit.SECONDS)).isEqualTo(new ExitStatus(0, 0));
        io.awaitOutput(T);
        client.delete("c1", T);
        StringBuilder expected = new StringBuilder();
        for (int i = 1; i <= 10; i++) {
            expected.append("out").append(i).append('\n').append("err").append(i).append('\n');
        }
        assertThat(both.toString(StandardCharsets.UTF_8)).isEqualTo(expected.toString());
    }

    @Test
    void tenMegabytesThroughCatArriveIntactAndStdinCloseEndsIt() throws Exception {
        byte[] data = new byte[10 * 1024 * 1024];
        new Random(42).nextBytes(data);
        var out = new ByteArrayOutputStream();
        ProcessStreams io = client.streams(out, OutputStream.nullOutputStream(), true);
        client.create(new Request.Create("cat", null, false, Process.of("cat"), null, io.wire()), T);
        var exit = client.waitFor("cat", null);
        client.start("cat", T);
        io.pumpStdin(new ByteArrayInputStream(data));
        assertThat(exit.get(40, TimeUnit.SECONDS).code()).isZero();
        io.awaitOutput(T);
        assertThat(out.size()).isEqualTo(data.length);
        assertThat(sha256(out.toByteArray())).isEqualTo(sha256(data));
    }

    @Test
    void execRunsInsideTheRunningContainer() throws Exception {
        ProcessStreams io = client.streams(OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), false);
        client.create(new Request.Create("box", "boxhost", false, Process.of("sleep", "100"), null, io.wire()), T);
        client.start("box", T);

        var out = new ByteArrayOutputStream();
        ProcessStreams eio = client.streams(out, OutputStream.nullOutputStream(), false);
        client.exec(new Request.Exec("box", "e1", Process.of("sh", "-c", "hostname; exit 3"), eio.wire()), T);
        ExitStatus status = client.waitFor("box", "e1").get(T.toSeconds(), TimeUnit.SECONDS);
        eio.awaitOutput(T);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("boxhost\n");
        assertThat(status.code()).isEqualTo(3);

        var psOut = new ByteArrayOutputStream();
        ProcessStreams pio = client.streams(psOut, OutputStream.nullOutputStream(), false);
        client.exec(new Request.Exec("box", "e2", Process.of("ps"), pio.wire()), T);
        client.waitFor("box", "e2").get(T.toSeconds(), TimeUnit.SECONDS);
        pio.awaitOutput(T);
        // Inside the container's pid namespace: the workload is its PID 1, with no init of Hull's.
        assertThat(psOut.toString(StandardCharsets.UTF_8)).containsPattern("(?m)^\\s*1 .*sleep 100$")
                .doesNotContain("hull-init");
    }

    /**
     * An exec's name is free again once a wait has had its end (containerd reuses an exec id after deleting
     * the exec), and not before: an exec that ended unwaited still holds it. The agent then keeps nothing of
     * it (a wait for it is ENOENT), so execs do not pile up in a long-lived container.
     */
    @Test
    void anExecNameIsFreeAgainOnceAWaitHadItsEnd() throws Exception {
        ProcessStreams io = client.streams(OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), false);
        client.create(new Request.Create("box", null, false, Process.of("sleep", "100"), null, io.wire()), T);
        client.start("box", T);
        for (int code : new int[] {3, 4}) {
            var out = new ByteArrayOutputStream();
            ProcessStreams eio = client.streams(out, OutputStream.nullOutputStream(), false);
            client.exec(new Request.Exec("box", "e1", Process.of("sh", "-c", "echo " + code + "; exit " + code),
                    eio.wire()), T);
            assertThat(client.waitFor("box", "e1").get(T.toSeconds(), TimeUnit.SECONDS).code()).isEqualTo(code);
            eio.awaitOutput(T);
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(code + "\n");
        }
        assertThatThrownBy(() -> client.waitFor("box", "e1").get(T.toSeconds(), TimeUnit.SECONDS))
                .hasCauseInstanceOf(AgentException.class).cause().satisfies(
                        e -> assertThat(((AgentException) e).code()).isEqualTo(ErrorCode.ENOENT));

        ProcessStreams unwaited = client.streams(OutputStream.nullOutputStream(), OutputStream.nullOutputStream(),
                false);
        client.exec(new Request.Exec("box", "e2", Process.of("true"), unwaited.wire()), T);
        Thread.sleep(500);
        ProcessStreams again = client.streams(OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), false);
        assertThatThrownBy(() -> client.exec(new Request.Exec("box", "e2", Process.of("true"), again.wire()), T))
                .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EEXIST));
        assertThat(client.waitFor("box", "e2").get(T.toSeconds(), TimeUnit.SECONDS).code()).isZero();
    }

    @Test
    void psListsTheWorkload() throws Exception {
        ProcessStreams io = client.streams(OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), false);
        client.create(new Request.Create("box", null, false, Process.of("sleep", "100"), null, io.wire()), T);
        client.start("box", T);
        var processes = client.ps("box", T).processes();
        assertThat(processes).singleElement().satisfies(p -> {
            assertThat(p.cmd()).isEqualTo("sleep 100");
            assertThat(p.uid()).isZero();
            assertThat(p.pid()).isPositive();
        });
    }

    /**
     * As with runc: the workload, its namespace's init, ignores a SIGTERM it has no handler for; SIGKILL
     * from the agent (outside the namespace) ends it; a handler it has is run.
     */
    @Test
    void signalsReachTheWorkloadAsTheyReachANamespacesInit() throws Exception {
        ProcessStreams io = client.streams(OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), false);
        client.create(new Request.Create("box", null, false, Process.of("sleep", "100"), null, io.wire()), T);
        var exit = client.waitFor("box", null);
        client.start("box", T);
        client.signal(new Request.Signal("box", null, 15, false), T);
        Thread.sleep(1000);
        assertThat(exit).as("SIGTERM without a handler is ignored").isNotDone();
        client.signal(new Request.Signal("box", null, 9, false), T);
        assertThat(exit.get(T.toSeconds(), TimeUnit.SECONDS)).isEqualTo(new ExitStatus(128 + 9, 9));

        ProcessStreams tio = client.streams(OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), false);
        client.create(new Request.Create("trap", null, false, Process.of("sh", "-c",
                "trap 'exit 7' TERM; while true; do sleep 0.1; done"), null, tio.wire()), T);
        var trapped = client.waitFor("trap", null);
        client.start("trap", T);
        Thread.sleep(500);
        client.signal(new Request.Signal("trap", null, 15, false), T);
        assertThat(trapped.get(T.toSeconds(), TimeUnit.SECONDS)).isEqualTo(new ExitStatus(7, 0));
    }

    @Test
    void createOfAMissingExecutableFailsClearly() {
        ProcessStreams io = client.streams(OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), false);
        assertThatThrownBy(() -> client.create(
                new Request.Create("bad", null, false, Process.of("no-such-binary"), null, io.wire()), T))
                .isInstanceOf(AgentException.class)
                .hasMessageContaining("no-such-binary");
    }

    /** The real agent's errors carry the code docs/agent-protocol.md gives them, and its own message. */
    @Test
    void refusalsCarryTheirCode() throws Exception {
        assertThat(client.greeting().capabilities()).contains("create", "freeze");
        assertThatThrownBy(() -> client.start("nobody", T)).isInstanceOfSatisfying(AgentException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.ENOENT)).hasMessage("start: no container 'nobody'");
        ProcessStreams io = client.streams(OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), false);
        client.create(new Request.Create("twice", null, false, Process.of("true"), null, io.wire()), T);
        ProcessStreams other = client.streams(OutputStream.nullOutputStream(), OutputStream.nullOutputStream(), false);
        assertThatThrownBy(() -> client.create(new Request.Create("twice", null, false, Process.of("true"), null,
                other.wire()), T)).isInstanceOfSatisfying(AgentException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.EEXIST));
        assertThatThrownBy(() -> client.create(new Request.Create("a/b", null, false, Process.of("true"), null,
                other.wire()), T)).isInstanceOfSatisfying(AgentException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.EINVAL))
                .hasMessage("create: invalid container id 'a/b'");
        client.start("twice", T);
        assertThatThrownBy(() -> client.start("twice", T)).isInstanceOfSatisfying(AgentException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.EBUSY));
        assertThatThrownBy(() -> client.signal(new Request.Signal("twice", null, 0, false), T))
                .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EINVAL));
        assertThatThrownBy(() -> client.setTime(T)).isInstanceOfSatisfying(AgentException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.ENOTSUP));
        assertThatThrownBy(() -> client.clone(new byte[Request.Clone.MIN_ENTROPY], List.of(), T))
                .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EINVAL))
                .hasMessage("clone: this VM was not booted as a template");
        client.delete("twice", T);
    }

    @Test
    void aSlowReaderDoesNotBlockOtherStreamsOrRequests() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        OutputStream stuck = StuckOutput.until(release);
        ProcessStreams flood = client.streams(stuck, OutputStream.nullOutputStream(), false);
        client.create(new Request.Create("flood", null, false, Process.of("cat", "/bin/busybox"), null,
                flood.wire()), T);
        client.start("flood", T);

        Run r = run("other", Process.of("echo", "still flowing"), null);
        assertThat(r.stdout()).isEqualTo("still flowing\n");
        assertThat(client.ps("flood", T).processes()).isNotEmpty();
        release.countDown();
        assertThat(client.waitFor("flood", null).get(T.toSeconds(), TimeUnit.SECONDS).code()).isZero();
    }

    @Test
    void malformedInputGetsAnErrorAndTheAgentKeepsServing() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        client.onEvent(events::add);

        // A REQUEST whose payload is not JSON.
        client.send(Frame.control(FrameType.REQUEST, "{not json"));
        // An unknown frame type.
        client.sendRaw(ByteBuffer.allocate(9).putInt(0).put((byte) 99).putInt(0).flip());
        // An unknown op, with an id the client did not allocate (so its answer arrives as an event).
        client.send(Frame.control(FrameType.REQUEST, "{\"id\":999999,\"op\":\"frobnicate\"}"));

        Run r = run("after", Process.of("echo", "ok"), null);
        assertThat(r.stdout()).isEqualTo("ok\n");
        assertThat(events).hasSize(3).allSatisfy(e -> assertThat(e).contains("error"));
        assertThat(events).anySatisfy(e -> assertThat(e).contains("999999").contains("frobnicate").contains("ENOSYS"));
        assertThat(agent.isAlive()).isTrue();
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    /**
     * forward: a TCP connection to 127.0.0.1:PORT where the agent runs (in a VM, the pod's namespace), bytes
     * both ways, and each side's end passed on as a half close: the server reads the end of what the host
     * sent before it answers, and the host's output ends when the server closes.
     */
    @Test
    void forwardCarriesAConnectionBothWaysWithHalfCloses() throws Exception {
        try (var server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            var received = new ByteArrayOutputStream();
            ProcessStreams streams = client.forward(server.getLocalPort(), received, T);
            try (var accepted = server.accept()) {
                try (var toServer = streams.stdin()) {
                    toServer.write("ping\n".getBytes(StandardCharsets.UTF_8));
                }
                byte[] got = accepted.getInputStream().readAllBytes();
                assertThat(new String(got, StandardCharsets.UTF_8)).as("what reached the server, to its end")
                        .isEqualTo("ping\n");
                accepted.getOutputStream().write("pong\n".getBytes(StandardCharsets.UTF_8));
            }
            streams.awaitOutput(T);
            client.forget(streams);
            assertThat(received.toString(StandardCharsets.UTF_8)).as("what the server sent back").isEqualTo("pong\n");
        }
    }

    /** A port nothing listens on is refused with the kernel's reason; a port out of range is EINVAL. */
    @Test
    void forwardToAClosedPortIsRefused() throws Exception {
        int closed;
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertThatThrownBy(() -> client.forward(closed, OutputStream.nullOutputStream(), T))
                .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EFAIL))
                .hasMessageContaining("connect to 127.0.0.1:" + closed).hasMessageContaining("refused");
        assertThatThrownBy(() -> client.forward(70000, OutputStream.nullOutputStream(), T))
                .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EINVAL));
    }
}
