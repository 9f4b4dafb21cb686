package dev.hull.containerd;

import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.hull.containerd.api.events.TaskCreate;
import dev.hull.containerd.api.events.TaskDelete;
import dev.hull.containerd.api.events.TaskExecAdded;
import dev.hull.containerd.api.events.TaskExecStarted;
import dev.hull.containerd.api.events.TaskIO;
import dev.hull.containerd.api.events.TaskPaused;
import dev.hull.containerd.api.events.TaskResumed;
import dev.hull.containerd.api.events.TaskStart;
import dev.hull.containerd.api.task.v2.CheckpointTaskRequest;
import dev.hull.containerd.api.task.v2.CloseIORequest;
import dev.hull.containerd.api.task.v2.ConnectRequest;
import dev.hull.containerd.api.task.v2.ConnectResponse;
import dev.hull.containerd.api.task.v2.CreateTaskRequest;
import dev.hull.containerd.api.task.v2.CreateTaskResponse;
import dev.hull.containerd.api.task.v2.DeleteRequest;
import dev.hull.containerd.api.task.v2.DeleteResponse;
import dev.hull.containerd.api.task.v2.ExecProcessRequest;
import dev.hull.containerd.api.task.v2.KillRequest;
import dev.hull.containerd.api.task.v2.PauseRequest;
import dev.hull.containerd.api.task.v2.PidsRequest;
import dev.hull.containerd.api.task.v2.PidsResponse;
import dev.hull.containerd.api.task.v2.ResizePtyRequest;
import dev.hull.containerd.api.task.v2.ResumeRequest;
import dev.hull.containerd.api.task.v2.ShutdownRequest;
import dev.hull.containerd.api.task.v2.StartRequest;
import dev.hull.containerd.api.task.v2.StartResponse;
import dev.hull.containerd.api.task.v2.StateRequest;
import dev.hull.containerd.api.task.v2.StateResponse;
import dev.hull.containerd.api.task.v2.StatsRequest;
import dev.hull.containerd.api.task.v2.StatsResponse;
import dev.hull.containerd.api.task.v2.UpdateTaskRequest;
import dev.hull.containerd.api.task.v2.WaitRequest;
import dev.hull.containerd.api.task.v2.WaitResponse;
import dev.hull.containerd.api.types.task.ProcessInfo;
import dev.hull.containerd.api.types.task.Status;
import dev.hull.error.BadInputException;
import dev.hull.error.NotFoundException;
import dev.hull.error.WrongStateException;
import dev.hull.json.JsonValues;
import dev.hull.logging.Log;
import dev.hull.oci.SpecJson;
import dev.hull.oci.SpecRules;
import dev.hull.ttrpc.Code;
import dev.hull.ttrpc.Method;
import dev.hull.ttrpc.TtrpcException;
import dev.hull.ttrpc.TtrpcServer;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * containerd's task service ({@code containerd.task.v2.Task}) over the containers this shim serves
 * ({@link Tasks}): each call decoded, answered, and its failure given the code containerd maps to its
 * own errors (not found, already exists, failed precondition, invalid argument, not implemented).
 */
final class TaskService {
    static final String SERVICE = "containerd.task.v2.Task";

    private final Tasks tasks;
    private final EventSink events;
    private final Runnable shutdown;

    TaskService(Tasks tasks, EventSink events, Runnable shutdown) {
        this.tasks = tasks;
        this.events = events;
        this.shutdown = shutdown;
    }

    void register(TtrpcServer server) {
        on(server, "Create", CreateTaskRequest.parser(), this::create);
        on(server, "Start", StartRequest.parser(), this::start);
        on(server, "State", StateRequest.parser(), this::state);
        on(server, "Wait", WaitRequest.parser(), this::await);
        on(server, "Kill", KillRequest.parser(), this::kill);
        on(server, "Delete", DeleteRequest.parser(), this::delete);
        on(server, "Pids", PidsRequest.parser(), this::pids);
        on(server, "Pause", PauseRequest.parser(), this::pause);
        on(server, "Resume", ResumeRequest.parser(), this::resume);
        on(server, "Checkpoint", CheckpointTaskRequest.parser(), r -> {
            throw new TtrpcException(Code.UNIMPLEMENTED, "checkpoint is not supported: the container runs in its"
                    + " own virtual machine, out of criu's reach");
        });
        on(server, "Exec", ExecProcessRequest.parser(), this::exec);
        on(server, "ResizePty", ResizePtyRequest.parser(), this::resize);
        on(server, "CloseIO", CloseIORequest.parser(), this::closeIo);
        on(server, "Update", UpdateTaskRequest.parser(), this::update);
        on(server, "Stats", StatsRequest.parser(), this::stats);
        on(server, "Connect", ConnectRequest.parser(), this::connect);
        on(server, "Shutdown", ShutdownRequest.parser(), this::shutdown);
    }

    /** One method of the logic below: whatever it throws becomes the status containerd reads. */
    @FunctionalInterface
    private interface Call<I> {
        MessageLite call(I request) throws Exception;
    }

    private static <I extends MessageLite> void on(TtrpcServer server, String name, Parser<I> parser, Call<I> call) {
        server.register(SERVICE, name, Method.of(parser, request -> {
            try {
                return call.call(request);
            } catch (TtrpcException e) {
                throw e;
            } catch (Exception e) {
                Log.debug(name + ": " + e);
                throw failure(e);
            }
        }));
    }

    static TtrpcException failure(Exception e) {
        Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        String message = t.getMessage() == null ? t.toString() : t.getMessage();
        Code code = switch (t) {
            case NotFoundException n -> Code.NOT_FOUND;
            case WrongStateException w -> Code.FAILED_PRECONDITION;
            case BadInputException b -> Code.INVALID_ARGUMENT;
            case SpecJson.TypeException s -> Code.INVALID_ARGUMENT;
            case TimeoutException x -> Code.DEADLINE_EXCEEDED;
            default -> Code.UNKNOWN;
        };
        return new TtrpcException(code, message);
    }

    private MessageLite create(CreateTaskRequest r) throws Exception {
        ServedContainer c = tasks.create(r);
        publish("/tasks/create", TaskCreate.newBuilder().setContainerId(c.id).setBundle(r.getBundle())
                .addAllRootfs(r.getRootfsList()).setIo(TaskIO.newBuilder().setStdin(r.getStdin())
                        .setStdout(r.getStdout()).setStderr(r.getStderr()).setTerminal(r.getTerminal()))
                .setPid((int) c.pid).build());
        return CreateTaskResponse.newBuilder().setPid((int) c.pid).build();
    }

    private MessageLite start(StartRequest r) throws Exception {
        ServedContainer c = tasks.get(r.getId());
        if (r.getExecId().isEmpty()) {
            c.container.start();
            publish("/tasks/start", TaskStart.newBuilder().setContainerId(c.id).setPid((int) c.pid).build());
            return StartResponse.newBuilder().setPid((int) c.pid).build();
        }
        ServedExec e = tasks.startExec(c, r.getExecId());
        publish("/tasks/exec-started", TaskExecStarted.newBuilder().setContainerId(c.id).setExecId(e.id)
                .setPid(e.pid).build());
        return StartResponse.newBuilder().setPid(e.pid).build();
    }

    private MessageLite state(StateRequest r) throws Exception {
        ServedContainer c = tasks.get(r.getId());
        var b = StateResponse.newBuilder().setId(r.getId()).setBundle(c.bundle.toString());
        if (r.getExecId().isEmpty()) {
            b.setPid((int) c.pid).setStdin(c.stdin).setStdout(c.stdout).setStderr(c.stderr).setTerminal(c.terminal);
            Exit exit = c.exit.getNow(null);
            b.setStatus(exit != null ? Status.STOPPED : switch (c.container.state().status()) {
                case CREATING, CREATED -> Status.CREATED;
                case RUNNING -> Status.RUNNING;
                case PAUSED -> Status.PAUSED;
                case STOPPED -> Status.STOPPED;
            });
            ended(b, exit);
        } else {
            ServedExec e = tasks.exec(c, r.getExecId());
            Exit exit = e.exit.getNow(null);
            b.setExecId(e.id).setPid(e.pid).setStdin(e.stdin).setStdout(e.stdout).setStderr(e.stderr)
                    .setTerminal(e.terminal)
                    .setStatus(exit != null ? Status.STOPPED : e.started ? Status.RUNNING : Status.CREATED);
            ended(b, exit);
        }
        return b.build();
    }

    private static void ended(StateResponse.Builder b, Exit exit) {
        if (exit != null) {
            b.setExitStatus(exit.status()).setExitedAt(Events.timestamp(exit.at()));
        }
    }

    private MessageLite await(WaitRequest r) throws Exception {
        ServedContainer c = tasks.get(r.getId());
        Exit exit = r.getExecId().isEmpty() ? c.exit.get() : tasks.exec(c, r.getExecId()).exit.get();
        return WaitResponse.newBuilder().setExitStatus(exit.status()).setExitedAt(Events.timestamp(exit.at()))
                .build();
    }

    private MessageLite kill(KillRequest r) throws Exception {
        ServedContainer c = tasks.get(r.getId());
        if (r.getExecId().isEmpty()) {
            if (c.exit.isDone() && !r.getAll()) {
                // runc's shim: a finished process is not found (CRI's StopContainer takes that as done).
                throw new NotFoundException("process already finished");
            }
            c.container.kill(r.getSignal(), r.getAll());
        } else {
            ServedExec e = tasks.exec(c, r.getExecId());
            if (!e.started || e.exit.isDone()) {
                throw new NotFoundException("process already finished");
            }
            c.container.signalExec(e.id, r.getSignal());
        }
        return Empty.getDefaultInstance();
    }

    private MessageLite delete(DeleteRequest r) throws Exception {
        ServedContainer c = tasks.get(r.getId());
        if (!r.getExecId().isEmpty()) {
            ServedExec e = tasks.deleteExec(c, r.getExecId());
            Exit exit = e.exit.getNow(new Exit(0, Instant.now()));
            return DeleteResponse.newBuilder().setPid(e.pid).setExitStatus(exit.status())
                    .setExitedAt(Events.timestamp(exit.at())).build();
        }
        Exit exit = tasks.delete(c);
        // After its exit event: containerd's CRI drops what comes for a task it no longer has.
        publish("/tasks/delete", TaskDelete.newBuilder().setContainerId(c.id).setId(c.id).setPid((int) c.pid)
                .setExitStatus(exit.status()).setExitedAt(Events.timestamp(exit.at())).build()).join();
        return DeleteResponse.newBuilder().setPid((int) c.pid).setExitStatus(exit.status())
                .setExitedAt(Events.timestamp(exit.at())).build();
    }

    private MessageLite pids(PidsRequest r) throws Exception {
        ServedContainer c = tasks.get(r.getId());
        // Host pids, as runc's: the container's anchor. Its processes are in the guest (ctr task exec ps).
        return PidsResponse.newBuilder().addProcesses(ProcessInfo.newBuilder().setPid((int) c.pid)).build();
    }

    private MessageLite pause(PauseRequest r) throws Exception {
        ServedContainer c = tasks.get(r.getId());
        c.container.pause();
        publish("/tasks/paused", TaskPaused.newBuilder().setContainerId(c.id).build());
        return Empty.getDefaultInstance();
    }

    private MessageLite resume(ResumeRequest r) throws Exception {
        ServedContainer c = tasks.get(r.getId());
        c.container.resume();
        publish("/tasks/resumed", TaskResumed.newBuilder().setContainerId(c.id).build());
        return Empty.getDefaultInstance();
    }

    private MessageLite exec(ExecProcessRequest r) throws Exception {
        ServedContainer c = tasks.get(r.getId());
        var process = SpecJson.process(JsonValues.tree(r.getSpec().getValue().toByteArray()), "the exec's process");
        var wrong = SpecRules.check(process, "process");
        if (wrong.isPresent()) {
            throw new BadInputException(wrong.get());
        }
        tasks.addExec(c, r.getExecId(), process, r.getStdin(), r.getStdout(), r.getStderr(), r.getTerminal());
        publish("/tasks/exec-added", TaskExecAdded.newBuilder().setContainerId(c.id).setExecId(r.getExecId())
                .build());
        return Empty.getDefaultInstance();
    }

    private MessageLite resize(ResizePtyRequest r) throws Exception {
        ServedContainer c = tasks.get(r.getId());
        String exec = r.getExecId().isEmpty() ? null : tasks.exec(c, r.getExecId()).id;
        c.container.resize(exec, r.getHeight(), r.getWidth());
        return Empty.getDefaultInstance();
    }

    private MessageLite closeIo(CloseIORequest r) throws Exception {
        ServedContainer c = tasks.get(r.getId());
        if (r.getStdin()) {
            (r.getExecId().isEmpty() ? c.io : tasks.exec(c, r.getExecId()).io).closeStdin();
        }
        return Empty.getDefaultInstance();
    }

    private MessageLite update(UpdateTaskRequest r) throws Exception {
        ServedContainer c = tasks.get(r.getId());
        c.container.update(JsonValues.tree(r.getResources().getValue().toByteArray()));
        return Empty.getDefaultInstance();
    }

    private MessageLite stats(StatsRequest r) throws Exception {
        ServedContainer c = tasks.get(r.getId());
        return StatsResponse.newBuilder().setStats(Events.pack(TaskMetrics.of(c.container.stats()))).build();
    }

    private MessageLite connect(ConnectRequest r) throws Exception {
        var b = ConnectResponse.newBuilder().setShimPid((int) ProcessHandle.current().pid());
        tasks.find(r.getId()).ifPresent(c -> b.setTaskPid((int) c.pid));
        return b.build();
    }

    private MessageLite shutdown(ShutdownRequest r) {
        if (tasks.isEmpty()) {
            shutdown.run();
        }
        return Empty.getDefaultInstance();
    }

    private CompletableFuture<Void> publish(String topic, Message event) {
        return events.publish(topic, event);
    }
}
