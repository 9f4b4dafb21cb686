package dev.hull.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.hull.state.Status.CREATED;
import static dev.hull.state.Status.PAUSED;
import static dev.hull.state.Status.RUNNING;
import static dev.hull.state.Status.STOPPED;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.hull.agent.Results;
import dev.hull.containerd.api.events.TaskExit;
import dev.hull.containerd.api.task.v2.CheckpointTaskRequest;
import dev.hull.containerd.api.task.v2.DeleteRequest;
import dev.hull.containerd.api.task.v2.DeleteResponse;
import dev.hull.containerd.api.task.v2.ExecProcessRequest;
import dev.hull.containerd.api.task.v2.KillRequest;
import dev.hull.containerd.api.task.v2.ShutdownRequest;
import dev.hull.containerd.api.task.v2.StartRequest;
import dev.hull.containerd.api.task.v2.StartResponse;
import dev.hull.containerd.api.task.v2.StateRequest;
import dev.hull.containerd.api.task.v2.StateResponse;
import dev.hull.containerd.api.task.v2.WaitRequest;
import dev.hull.containerd.api.task.v2.WaitResponse;
import dev.hull.containerd.api.types.task.Status;
import dev.hull.core.RecordingHost;
import dev.hull.core.Teardown;
import dev.hull.error.WrongStateException;
import dev.hull.oci.Process;
import dev.hull.shim.ContainerControl;
import dev.hull.shim.HostStdio;
import dev.hull.state.ContainerState;
import dev.hull.state.StateStore;
import dev.hull.ttrpc.Code;
import dev.hull.ttrpc.TtrpcClient;
import dev.hull.ttrpc.TtrpcException;
import dev.hull.ttrpc.TtrpcServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The v2 shim's task service over ttrpc, with a fake container in place of a VM's: the calls' rules and
 * answers, and the events containerd hears, in their order.
 */
class TaskServiceFakeTest {
    private static final String TASK = TaskService.SERVICE;
    private static final Duration CALL = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<Message> eventMessages = new CopyOnWriteArrayList<>();
    private final AtomicBoolean shutdown = new AtomicBoolean();
    /** Runs on the publishing thread before each event is taken: a test holds one there. */
    private volatile Consumer<String> beforeEvent = topic -> { };
    private StateStore store;
    private RecordingHost host;
    private Tasks tasks;
    private TtrpcServer server;
    private TtrpcClient client;

    /** A container that does what it is told and ends when killed. */
    static final class FakeContainer implements ContainerControl {
        final String id;
        volatile ContainerState state = ContainerState.creating("c", "/b", "/b/rootfs", Map.of(), "/run/x", null)
                .withStatus(CREATED);
        final CompletableFuture<Integer> exit = new CompletableFuture<>();
        final Map<String, CompletableFuture<Integer>> execs = new ConcurrentHashMap<>();
        final List<String> did = new CopyOnWriteArrayList<>();
        final AtomicLong oomKills = new AtomicLong();
        /** Whether the end comes with the OOM count, as the agent's wait answer has it. */
        volatile boolean saysOomKillsAtExit;
        final AtomicLong statsCalls = new AtomicLong();

        FakeContainer(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public ContainerState state() {
            return state;
        }

        @Override
        public void start() throws WrongStateException {
            if (state.status() != CREATED) {
                throw new WrongStateException("cannot start container '" + id + "': it is " + state.status().json());
            }
            did.add("start");
            state = state.withStatus(RUNNING);
        }

        @Override
        public void kill(int signal, boolean all) {
            did.add("kill " + signal + (all ? " all" : ""));
            end(128 + signal);
        }

        void end(int code) {
            state = state.withStatus(STOPPED);
            exit.complete(code);
        }

        @Override
        public void pause() {
            state = state.withStatus(PAUSED);
        }

        @Override
        public void resume() {
            state = state.withStatus(RUNNING);
        }

        @Override
        public int exec(String execId, Process process, HostStdio stdio, long clientPid) {
            did.add("exec " + execId + " " + String.join(" ", process.args()));
            execs.put(execId, new CompletableFuture<>());
            return 42;
        }

        @Override
        public int waitExec(String execId) throws Exception {
            return execs.get(execId).get();
        }

        @Override
        public void signalExec(String exec, int signal) {
            did.add("signal " + exec + " " + signal);
            execs.get(exec).complete(128 + signal);
        }

        @Override
        public void resize(String exec, int rows, int cols) {
            did.add("resize " + exec + " " + rows + "x" + cols);
        }

        @Override
        public void update(JsonNode resources) {
            did.add("update");
        }

        @Override
        public Results.Stats stats() {
            statsCalls.incrementAndGet();
            return new Results.Stats(new Results.Stats.Cpu(1, 1, 0),
                    new Results.Stats.Memory(4096, 0, oomKills.get()), new Results.Stats.Pids(1, 0));
        }

        @Override
        public int awaitExit() {
            return exit.join();
        }

        @Override
        public OptionalLong oomKillsAtExit() {
            return saysOomKillsAtExit ? OptionalLong.of(oomKills.get()) : OptionalLong.empty();
        }
    }

    @BeforeEach
    void serve() throws Exception {
        store = new StateStore(dir.resolve("state"));
        host = new RecordingHost(dir);
        EventSink sink = (topic, event) -> {
            beforeEvent.accept(topic);
            events.add(topic);
            eventMessages.add(event);
            return CompletableFuture.completedFuture(null);
        };
        tasks = new Tasks(store, sink, new Teardown(host));
        server = new TtrpcServer();
        new TaskService(tasks, sink, () -> shutdown.set(true)).register(server);
        server.serve(dir.resolve("shim.sock"));
        client = TtrpcClient.connect(dir.resolve("shim.sock"));
    }

    @AfterEach
    void close() {
        client.close();
        try {
            server.close();
        } catch (IOException ignored) {
            // The test is over.
        }
    }

    /** A container as Create leaves it: its state recorded, served, its end watched. */
    private FakeContainer created(String id) throws Exception {
        store.claim(id);
        store.write(ContainerState.creating(id, "/b", "/b/rootfs", Map.of(), null, null)
                .withStatus(CREATED).started(4242, 0, 0));
        FakeContainer fake = new FakeContainer(id);
        tasks.adopt(new ServedContainer(id, dir, dir.resolve("rootfs"), false, fake, null,
                TaskIo.open("", "", "", false), 4242, "", "", "", false), code -> fake.did.add("finish " + code));
        return fake;
    }

    private <O> O call(String method, Message request, Parser<O> parser) throws Exception {
        return client.call(TASK, method, request, parser, CALL);
    }

    private Status status(String id) throws Exception {
        return call("State", StateRequest.newBuilder().setId(id).build(), StateResponse.parser()).getStatus();
    }

    @Test
    void aTaskStartsRunsEndsAndIsDeletedWithContainerdHearingEachInOrder() throws Exception {
        FakeContainer c = created("c1");
        assertThat(status("c1")).isEqualTo(Status.CREATED);
        assertThat(call("Start", StartRequest.newBuilder().setId("c1").build(), StartResponse.parser()).getPid())
                .isEqualTo(4242);
        assertThat(status("c1")).isEqualTo(Status.RUNNING);
        c.end(3);
        WaitResponse waited = call("Wait", WaitRequest.newBuilder().setId("c1").build(), WaitResponse.parser());
        assertThat(waited.getExitStatus()).isEqualTo(3);
        StateResponse st = call("State", StateRequest.newBuilder().setId("c1").build(), StateResponse.parser());
        assertThat(st.getStatus()).isEqualTo(Status.STOPPED);
        assertThat(st.getExitStatus()).isEqualTo(3);
        DeleteResponse deleted = call("Delete", DeleteRequest.newBuilder().setId("c1").build(),
                DeleteResponse.parser());
        assertThat(deleted.getExitStatus()).isEqualTo(3);
        assertThat(deleted.getPid()).isEqualTo(4242);
        assertThat(events).containsExactly("/tasks/start", "/tasks/exit", "/tasks/delete");
        assertThat(((TaskExit) eventMessages.get(1)).getExitStatus()).isEqualTo(3);
        assertThat(c.did).containsExactly("start", "finish 3");
        assertThat(host.steps).as("the core's teardown ran for it").isNotEmpty();
        assertThat(tasks.isEmpty()).isTrue();
        assertThatThrownBy(() -> status("c1")).isInstanceOfSatisfying(TtrpcException.class,
                e -> assertThat(e.code()).isEqualTo(Code.NOT_FOUND));
    }

    @Test
    void aFinishedProcessIsNotFoundToKillButKillAllIsFine() throws Exception {
        FakeContainer c = created("c1");
        call("Start", StartRequest.newBuilder().setId("c1").build(), StartResponse.parser());
        c.end(0);
        call("Wait", WaitRequest.newBuilder().setId("c1").build(), WaitResponse.parser());
        assertThatThrownBy(() -> call("Kill", KillRequest.newBuilder().setId("c1").setSignal(15).build(),
                Empty.parser())).isInstanceOfSatisfying(TtrpcException.class, e -> {
                    assertThat(e.code()).isEqualTo(Code.NOT_FOUND);
                    assertThat(e.getMessage()).contains("process already finished");
                });
        call("Kill", KillRequest.newBuilder().setId("c1").setSignal(9).setAll(true).build(), Empty.parser());
    }

    @Test
    void aRunningTaskIsNotDeletedAndOneNeverStartedIsKilledFirst() throws Exception {
        created("c1");
        FakeContainer never = created("c2");
        call("Start", StartRequest.newBuilder().setId("c1").build(), StartResponse.parser());
        assertThatThrownBy(() -> call("Delete", DeleteRequest.newBuilder().setId("c1").build(),
                DeleteResponse.parser())).isInstanceOfSatisfying(TtrpcException.class,
                        e -> assertThat(e.code()).isEqualTo(Code.FAILED_PRECONDITION));
        DeleteResponse deleted = call("Delete", DeleteRequest.newBuilder().setId("c2").build(),
                DeleteResponse.parser());
        assertThat(never.did).startsWith("kill 9 all");
        assertThat(deleted.getExitStatus()).isEqualTo(137);
    }

    @Test
    void anExecIsAddedStartedWaitedAndDeletedAndItsEndIsAnExitOfItsOwn() throws Exception {
        FakeContainer c = created("c1");
        call("Start", StartRequest.newBuilder().setId("c1").build(), StartResponse.parser());
        String spec = "{\"args\":[\"sh\",\"-c\",\"exit 5\"],\"cwd\":\"/\"}";
        call("Exec", ExecProcessRequest.newBuilder().setId("c1").setExecId("e1").setSpec(Any.newBuilder()
                .setTypeUrl("types.containerd.io/opencontainers/runtime-spec/1/Process")
                .setValue(ByteString.copyFromUtf8(spec))).build(), Empty.parser());
        assertThat(call("State", StateRequest.newBuilder().setId("c1").setExecId("e1").build(),
                StateResponse.parser()).getStatus()).isEqualTo(Status.CREATED);
        assertThat(call("Start", StartRequest.newBuilder().setId("c1").setExecId("e1").build(),
                StartResponse.parser()).getPid()).isEqualTo(42);
        assertThatThrownBy(() -> call("Delete", DeleteRequest.newBuilder().setId("c1").setExecId("e1").build(),
                DeleteResponse.parser())).as("a running exec").isInstanceOf(TtrpcException.class);
        call("Kill", KillRequest.newBuilder().setId("c1").setExecId("e1").setSignal(9).build(), Empty.parser());
        assertThat(call("Wait", WaitRequest.newBuilder().setId("c1").setExecId("e1").build(),
                WaitResponse.parser()).getExitStatus()).isEqualTo(137);
        assertThat(call("Delete", DeleteRequest.newBuilder().setId("c1").setExecId("e1").build(),
                DeleteResponse.parser()).getExitStatus()).isEqualTo(137);
        assertThat(c.did).contains("exec e1 sh -c exit 5", "signal e1 9");
        assertThat(events).containsExactly("/tasks/start", "/tasks/exec-added", "/tasks/exec-started",
                "/tasks/exit");
        assertThat(((TaskExit) eventMessages.get(3)).getId()).as("the exec's exit names the exec").isEqualTo("e1");
    }

    @Test
    void anOomKillInTheGuestIsSaidBeforeTheExit() throws Exception {
        FakeContainer c = created("c1");
        call("Start", StartRequest.newBuilder().setId("c1").build(), StartResponse.parser());
        c.oomKills.set(1);
        c.end(137);
        call("Wait", WaitRequest.newBuilder().setId("c1").build(), WaitResponse.parser());
        assertThat(events).containsExactly("/tasks/start", "/tasks/oom", "/tasks/exit");
    }

    /** The end says the OOM count itself: the TaskOOM before the TaskExit, without a last look at the stats. */
    @Test
    void anOomKillSaidWithTheEndComesBeforeTheExitWithoutAStatsCall() throws Exception {
        FakeContainer c = created("c1");
        c.saysOomKillsAtExit = true;
        call("Start", StartRequest.newBuilder().setId("c1").build(), StartResponse.parser());
        c.oomKills.set(1);
        c.end(137);
        call("Wait", WaitRequest.newBuilder().setId("c1").build(), WaitResponse.parser());
        assertThat(events).containsExactly("/tasks/start", "/tasks/oom", "/tasks/exit");
        assertThat(c.statsCalls).as("stats calls (the poll's first look is a second away)").hasValue(0);
    }

    /**
     * The poll sees the kill and is slow to say it (held here in the sink, as a busy machine holds a thread):
     * the workload's end, said meanwhile, still comes after the TaskOOM.
     */
    @Test
    void anOomSeenByThePollIsSaidBeforeAnExitThatComesWhileItIsBeingSaid() throws Exception {
        CountDownLatch oomBeingSaid = new CountDownLatch(1);
        beforeEvent = topic -> {
            if (topic.equals("/tasks/oom")) {
                oomBeingSaid.countDown();
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        FakeContainer c = created("c1");
        call("Start", StartRequest.newBuilder().setId("c1").build(), StartResponse.parser());
        c.oomKills.set(1);
        assertThat(oomBeingSaid.await(10, TimeUnit.SECONDS)).as("the poll saw the kill").isTrue();
        c.end(137);
        call("Wait", WaitRequest.newBuilder().setId("c1").build(), WaitResponse.parser());
        assertThat(events).containsExactly("/tasks/start", "/tasks/oom", "/tasks/exit");
    }

    @Test
    void shutdownWaitsForTheLastTaskAndCheckpointIsRefused() throws Exception {
        FakeContainer c = created("c1");
        call("Shutdown", ShutdownRequest.newBuilder().setId("c1").build(), Empty.parser());
        assertThat(shutdown).as("a task is still served").isFalse();
        assertThatThrownBy(() -> call("Checkpoint", CheckpointTaskRequest.newBuilder().setId("c1").build(),
                Empty.parser())).isInstanceOfSatisfying(TtrpcException.class, e -> {
                    assertThat(e.code()).isEqualTo(Code.UNIMPLEMENTED);
                    assertThat(e.getMessage()).contains("criu");
                });
        c.end(0);
        call("Delete", DeleteRequest.newBuilder().setId("c1").build(), DeleteResponse.parser());
        call("Shutdown", ShutdownRequest.newBuilder().setId("c1").build(), Empty.parser());
        assertThat(shutdown).isTrue();
    }
}
