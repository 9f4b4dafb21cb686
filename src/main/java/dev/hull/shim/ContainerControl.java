package dev.hull.shim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hull.agent.Results;
import dev.hull.error.BadInputException;
import dev.hull.error.WrongStateException;
import dev.hull.oci.Process;
import dev.hull.state.ContainerState;
import java.io.IOException;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;

/**
 * A container's verbs as a front that holds it in process drives them (the containerd v2 shim):
 * {@link GuestContainer} in its VM, or a fake in a unit test of the front's rules.
 */
public interface ContainerControl {
    String id();

    ContainerState state();

    void start() throws IOException, TimeoutException, WrongStateException;

    void kill(int signal, boolean all) throws IOException, TimeoutException, WrongStateException;

    void pause() throws IOException, TimeoutException, WrongStateException;

    void resume() throws IOException, TimeoutException, WrongStateException;

    /** Starts a process in the container; returns its pid in the guest. */
    int exec(String execId, Process process, HostStdio stdio, long clientPid)
            throws IOException, TimeoutException, WrongStateException;

    /** Waits for an exec'd process to end (its output out); its status. */
    int waitExec(String execId) throws Exception;

    void signalExec(String exec, int signal) throws IOException, TimeoutException;

    void resize(String exec, int rows, int cols) throws IOException, TimeoutException;

    void update(JsonNode resources) throws IOException, TimeoutException, BadInputException;

    Results.Stats stats() throws IOException, TimeoutException;

    /** Waits for the workload to end and records it; its exit code (128+signal, 137 when the VM was lost). */
    int awaitExit() throws IOException;

    /** After {@link #awaitExit}: the OOM kills in the container's cgroup by its end, where the guest said. */
    default OptionalLong oomKillsAtExit() {
        return OptionalLong.empty();
    }
}
