package dev.hull.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.agent.Results.ExitStatus;
import dev.hull.agent.Results.HelloResult;
import dev.hull.agent.Results.ProcessList;
import dev.hull.agent.Results.Stats;
import dev.hull.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The host side of the agent protocol over one connection. Requests are methods; a reader thread routes
 * responses to their callers and stream bytes to their relays.
 */
public final class AgentClient implements AutoCloseable, FrameSender {
    static final ObjectMapper JSON = Json.mapper();
    /** At most this many settime exchanges per setting of the guest's clock (three at least). */
    static final int CLOCK_EXCHANGES = 8;

    private final SocketChannel channel;
    private final Object writeLock = new Object();
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicInteger nextStream = new AtomicInteger(1);
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final Map<Integer, OutputRelay> outputs = new ConcurrentHashMap<>();
    private final Map<Integer, StdinStream> inputs = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> disconnected = new CompletableFuture<>();
    private volatile Consumer<String> events = message -> { };

    private record Pending(String op, CompletableFuture<JsonNode> result) {
    }

    private volatile HelloResult greeting;

    public AgentClient(SocketChannel channel) {
        this.channel = channel;
        Thread.ofPlatform().daemon().name("hull-agent-reader").start(this::readLoop);
    }

    /** Connects to a unix socket, retrying until it exists and accepts or the deadline passes. */
    public static AgentClient connect(Path socket, Duration deadline) throws IOException, TimeoutException {
        long end = System.nanoTime() + deadline.toNanos();
        IOException last = null;
        while (System.nanoTime() < end) {
            if (Files.exists(socket)) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.connect(UnixDomainSocketAddress.of(socket));
                    return new AgentClient(ch);
                } catch (IOException e) {
                    ch.close();
                    last = e;
                }
            }
            sleep(Duration.ofMillis(5));
        }
        throw (TimeoutException) new TimeoutException("no agent listening on " + socket + " within " + deadline)
                .initCause(last);
    }

    /** Receives the agent's unsolicited events (their JSON text) and errors for malformed requests. */
    public void onEvent(Consumer<String> listener) {
        this.events = listener;
    }

    /** Completes when the connection ends, for whatever reason. */
    public CompletableFuture<Void> disconnected() {
        return disconnected;
    }

    public HelloResult hello(Duration timeout) throws IOException, TimeoutException {
        HelloResult hello = call(Request.Hello.ofThisHost(), HelloResult.class, timeout);
        if (hello.version() < Request.MIN_VERSION || hello.version() > Request.MAX_VERSION) {
            throw new ProtocolException("the agent settled on protocol version " + hello.version()
                    + ", which this host does not speak (the host speaks versions " + Request.MIN_VERSION + " to "
                    + Request.MAX_VERSION + ", the agent " + hello.minVersion() + " to " + hello.maxVersion() + ")");
        }
        greeting = hello;
        return hello;
    }

    /** What the agent said to hello, or null before. */
    public HelloResult greeting() {
        return greeting;
    }

    /**
     * Allocates the streams for a process; {@code stderr} is ignored for a terminal (one tty stream). The same
     * sink for both makes them one stream (one pipe in the guest), which keeps the order of their writes.
     */
    public ProcessStreams streams(OutputStream stdout, OutputStream stderr, boolean withStdin) {
        List<OutputRelay> relays = new ArrayList<>();
        int out = stdout == null ? 0 : output(stdout, relays);
        int err = stderr == null ? 0 : stderr == stdout ? out : output(stderr, relays);
        StdinStream in = null;
        if (withStdin) {
            in = new StdinStream(nextStream.getAndIncrement(), this);
            inputs.put(in.streamId(), in);
        }
        return new ProcessStreams(new Stdio(in == null ? 0 : in.streamId(), out, err), in, relays);
    }

    private int output(OutputStream sink, List<OutputRelay> relays) {
        int id = nextStream.getAndIncrement();
        OutputRelay relay = new OutputRelay(id, sink, this);
        outputs.put(id, relay);
        relays.add(relay);
        return id;
    }

    public int create(Request.Create request, Duration timeout) throws IOException, TimeoutException {
        return call(request, Results.Pid.class, timeout).pid();
    }

    public void start(String container, Duration timeout) throws IOException, TimeoutException {
        call(new Request.Start(container), Results.Empty.class, timeout);
    }

    public int exec(Request.Exec request, Duration timeout) throws IOException, TimeoutException {
        return call(request, Results.Pid.class, timeout).pid();
    }

    public void signal(Request.Signal request, Duration timeout) throws IOException, TimeoutException {
        call(request, Results.Empty.class, timeout);
    }

    public void resize(Request.Resize request, Duration timeout) throws IOException, TimeoutException {
        call(request, Results.Empty.class, timeout);
    }

    public ProcessList ps(String container, Duration timeout) throws IOException, TimeoutException {
        return call(new Request.Ps(container), ProcessList.class, timeout);
    }

    public Stats stats(String container, Duration timeout) throws IOException, TimeoutException {
        return call(new Request.Stats(container), Stats.class, timeout);
    }

    public void update(Request.Update request, Duration timeout) throws IOException, TimeoutException {
        call(request, Results.Empty.class, timeout);
    }

    public void network(Request.Network request, Duration timeout) throws IOException, TimeoutException {
        call(request, Results.Empty.class, timeout);
    }

    public void dnsAnswer(Request.Dns request, Duration timeout) throws IOException, TimeoutException {
        call(request, Results.Empty.class, timeout);
    }

    public void delete(String container, Duration timeout) throws IOException, TimeoutException {
        call(new Request.Delete(container), Results.Empty.class, timeout);
    }

    /**
     * Sets the guest's wall clock to the host's; returns how far behind (negative: ahead) it was, in ns.
     * A request reaches the agent some time after the host read its clock (~1 ms under TCG), and a clock set
     * to the time it was sent stays behind by that much. As NTP does, the delay is taken as half the round
     * trip: the first exchange sets the clock and measures the trip, the next ones send the host's time plus
     * half the shortest trip seen (the exchange least delayed by scheduling, so the nearest to the path's own
     * delay), until one that was itself about as short: the last one's own delay is what the clock is left
     * off by, less the half trip it was sent ahead (the first ones run cold code on both sides).
     */
    public long setTime(Duration timeout) throws IOException, TimeoutException {
        long behind = 0;
        long shortest = Long.MAX_VALUE;
        for (int i = 0; i < CLOCK_EXCHANGES; i++) {
            long sent = System.nanoTime();
            Request.SetTime time = Request.SetTime.ahead(i == 0 ? 0 : shortest / 2);
            // The answer's arrival as the reader thread sees it: waking this thread is no part of the way
            // back, and counted in it made the trip look longer than twice the way in.
            AtomicLong arrived = new AtomicLong();
            var reply = send(time).whenComplete((r, e) -> arrived.set(System.nanoTime()));
            long was = await(time, reply, Results.TimeSet.class, timeout).was();
            long trip = arrived.get() - sent;
            if (i == 0) {
                behind = time.realtime() - was;
            } else if (i > 1 && trip <= shortest + shortest / 4) {
                break;
            }
            shortest = Math.min(shortest, trip);
        }
        return behind;
    }

    /** Freezes (or thaws) every process of a container; the VM itself keeps running. */
    public void freeze(String container, boolean frozen, Duration timeout) throws IOException, TimeoutException {
        call(new Request.Freeze(container, frozen), Results.Empty.class, timeout);
    }

    /**
     * Opens a TCP connection to 127.0.0.1:{@code port} in the guest (its pod's network namespace): what the
     * server sends goes to {@code sink}, what is written to the answer's {@link ProcessStreams#stdin()} reaches
     * it, and closing that stdin half-closes the connection. {@link #forget} the streams once both are over.
     */
    public ProcessStreams forward(int port, OutputStream sink, Duration timeout) throws IOException,
            TimeoutException {
        ProcessStreams s = streams(sink, null, true);
        try {
            call(new Request.Forward(port, s.wire().stdin(), s.wire().stdout()), Results.Empty.class, timeout);
        } catch (AgentException e) {
            forget(s);
            throw e;
        }
        return s;
    }

    /**
     * Drops the host's record of streams that are over (or that the agent refused), so that a VM that
     * forwards many connections does not keep one per connection; an output still running is ended.
     */
    public void forget(ProcessStreams s) {
        inputs.remove(s.wire().stdin());
        OutputRelay out = outputs.remove(s.wire().stdout());
        if (out != null) {
            out.end();
        }
    }

    /**
     * Makes a VM restored from a template its own: {@code entropy} (32 to 512 bytes of the host's randomness)
     * reseeds the guest's CRNG, the NICs get the container's MACs ({@code macs}), then the agent mounts the
     * container share. Refused (EINVAL) by a VM not booted as a template or already cloned; another number of
     * bytes is an {@link IllegalArgumentException}.
     */
    public void clone(byte[] entropy, List<Request.Clone.MacChange> macs, Duration timeout)
            throws IOException, TimeoutException {
        call(Request.Clone.of(entropy, macs), Results.Empty.class, timeout);
    }

    public void shutdown(Duration timeout) throws IOException, TimeoutException {
        call(new Request.Shutdown(), Results.Empty.class, timeout);
    }

    /** The exit status of a process (exec null: the container's first), once all its output is sent. */
    public CompletableFuture<ExitStatus> waitFor(String container, String exec) throws IOException {
        return send(new Request.Wait(container, exec)).thenApply(node -> convert(node, ExitStatus.class));
    }

    /** The end of a container's first process, with the OOM kills the agent counted by then. */
    public CompletableFuture<Results.FirstEnd> waitForFirst(String container) throws IOException {
        return send(new Request.Wait(container, null)).thenApply(node -> new Results.FirstEnd(
                convert(node, ExitStatus.class), node.has("oomKills") ? node.get("oomKills").asLong() : null));
    }

    /** Sends a request and waits for its answer; an error answer becomes an {@link AgentException}. */
    public <T> T call(Request request, Class<T> resultType, Duration timeout) throws IOException, TimeoutException {
        return await(request, send(request), resultType, timeout);
    }

    private static <T> T await(Request request, CompletableFuture<JsonNode> reply, Class<T> resultType,
            Duration timeout) throws IOException, TimeoutException {
        try {
            return convert(reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS), resultType);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + request.op(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(request.op() + " failed", e.getCause());
        } catch (TimeoutException e) {
            throw new TimeoutException("agent did not answer " + request.op() + " within " + timeout);
        }
    }

    private CompletableFuture<JsonNode> send(Request request) throws IOException {
        HelloResult hello = greeting;
        if (hello != null && !hello.serves(request.op())) {
            throw new AgentException(request.op(), ErrorCode.ENOSYS, "the guest's agent (" + hello.agent()
                    + ") does not serve this request");
        }
        long id = nextId.getAndIncrement();
        ObjectNode node = RequestJson.tree(request, JSON);
        node.put("id", id);
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, new Pending(request.op(), reply));
        if (disconnected.isDone()) {
            pending.remove(id);
            throw closedBy != null ? new IOException(closedBy.getMessage(), closedBy)
                    : new IOException("agent connection is closed");
        }
        send(Frame.control(FrameType.REQUEST, node.toString()));
        return reply;
    }

    private static <T> T convert(JsonNode result, Class<T> type) {
        try {
            return RequestJson.result(result, type, JSON);
        } catch (IOException e) {
            throw new IllegalStateException("agent answered with an unexpected " + type.getSimpleName() + ": "
                    + result, e);
        }
    }

    @Override
    public void send(Frame frame) throws IOException {
        sendRaw(FrameCodec.encode(frame));
    }

    /** Writes bytes as they are: lets tests send frames the codec would refuse to build. */
    public void sendRaw(ByteBuffer bytes) throws IOException {
        synchronized (writeLock) {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }
    }

    private void readLoop() {
        IOException failure = null;
        try {
            Frame frame;
            while ((frame = FrameCodec.read(channel)) != null) {
                dispatch(frame);
            }
        } catch (IOException e) {
            failure = e;
        }
        String reason = abortedFor != null ? abortedFor : failure == null ? null : failure.getMessage();
        IOException cause = new IOException("agent connection closed" + (reason == null ? "" : ": " + reason),
                failure);
        closedBy = cause;
        disconnected.complete(null);
        pending.values().forEach(p -> p.result().completeExceptionally(cause));
        pending.clear();
        outputs.values().forEach(OutputRelay::end);
        inputs.values().forEach(in -> in.fail(cause));
    }

    private void dispatch(Frame frame) throws IOException {
        switch (frame.type()) {
            case RESPONSE -> respond(frame);
            case EVENT -> events.accept(frame.text());
            case DATA -> {
                OutputRelay relay = outputs.get(frame.stream());
                if (relay == null) {
                    throw new ProtocolException("DATA for unknown stream " + frame.stream());
                }
                relay.accept(frame.payload());
            }
            case CLOSE -> {
                OutputRelay relay = outputs.remove(frame.stream());
                if (relay != null) {
                    relay.end();
                }
            }
            case CREDIT -> {
                StdinStream in = inputs.get(frame.stream());
                if (in != null) {
                    in.credit(frame.creditBytes());
                }
            }
            case REQUEST -> throw new ProtocolException("the agent sent a request");
        }
    }

    private void respond(Frame frame) throws ProtocolException {
        JsonNode node;
        try {
            node = JSON.readTree(frame.payload());
        } catch (IOException e) {
            throw new ProtocolException("agent sent a response that is not JSON: " + frame.text());
        }
        long id = node.path("id").asLong(0);
        Pending p = pending.remove(id);
        if (p == null) {
            events.accept(frame.text());
            return;
        }
        if (node.hasNonNull("error")) {
            p.result().completeExceptionally(RequestJson.error(p.op(), node.get("error")));
        } else {
            p.result().complete(node.path("result"));
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Why the connection ended, once it has: what every request still waiting, or sent later, fails with. */
    private volatile IOException closedBy;
    private volatile String abortedFor;

    /**
     * Ends the connection because the guest misbehaved ({@code reason}): waiting and later requests fail
     * with it, and the streams end.
     */
    public void abort(String reason) {
        abortedFor = reason;
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closed is closed.
        }
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
