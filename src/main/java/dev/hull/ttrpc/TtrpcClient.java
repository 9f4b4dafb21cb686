package dev.hull.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.hull.ttrpc.wire.Request;
import dev.hull.ttrpc.wire.Response;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A ttrpc client on a unix socket: unary calls, several in flight at once from any threads, each on a
 * stream of its own (1, 3, 5, …) and matched to its response by stream id. One reader thread takes the
 * responses; when the connection ends, every call waiting fails.
 */
public final class TtrpcClient implements AutoCloseable {
    private final Connection connection;
    private final Map<Integer, CompletableFuture<Response>> waiting = new ConcurrentHashMap<>();
    private final AtomicInteger nextStream = new AtomicInteger(1);
    private volatile IOException ended;

    private TtrpcClient(SocketChannel channel) {
        connection = new Connection(channel);
        Thread.ofVirtual().name("hull-ttrpc-client").start(this::read);
    }

    public static TtrpcClient connect(Path socket) throws IOException {
        return new TtrpcClient(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
    }

    /**
     * Calls a method with an encoded request and returns the encoded response. A status other than OK is
     * a {@link TtrpcException} with its code; no answer within the timeout is DEADLINE_EXCEEDED (the
     * server is told the timeout too); a connection that fails or ends is an IOException.
     */
    public byte[] call(String service, String method, byte[] request, Duration timeout)
            throws IOException, TtrpcException {
        byte[] data = Request.newBuilder().setService(service).setMethod(method)
                .setPayload(ByteString.copyFrom(request)).setTimeoutNano(timeout.toNanos()).build().toByteArray();
        if (data.length > Frame.MAX_DATA) {
            throw new TtrpcException(Code.RESOURCE_EXHAUSTED, "request of " + data.length + " bytes exceeds "
                    + Frame.MAX_DATA);
        }
        int stream = nextStream.getAndAdd(2);
        CompletableFuture<Response> answer = new CompletableFuture<>();
        waiting.put(stream, answer);
        Response response;
        try {
            // After the put: the reader fails every call waiting once it has set ended, so none is missed.
            if (ended != null) {
                throw new IOException("ttrpc connection closed", ended);
            }
            connection.send(Frame.request(stream, data));
            response = answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new TtrpcException(Code.DEADLINE_EXCEEDED, service + "/" + method + " gave no answer in "
                    + timeout);
        } catch (ExecutionException e) {
            throw new IOException("ttrpc call " + service + "/" + method + " failed: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for " + service + "/" + method);
        } finally {
            waiting.remove(stream);
        }
        if (response.hasStatus() && response.getStatus().getCode() != Code.OK.value()) {
            throw new TtrpcException(Code.of(response.getStatus().getCode()), response.getStatus().getMessage());
        }
        return response.getPayload().toByteArray();
    }

    /** {@link #call(String, String, byte[], Duration)} with messages: containerd's generated types. */
    public <O> O call(String service, String method, MessageLite request, Parser<O> responseParser,
            Duration timeout) throws IOException, TtrpcException {
        return responseParser.parseFrom(call(service, method, request.toByteArray(), timeout));
    }

    private void read() {
        IOException end;
        try {
            for (Frame frame = connection.receive(); frame != null; frame = connection.receive()) {
                // A response whose call has given up waiting (its timeout) has no one to go to.
                CompletableFuture<Response> answer = waiting.get(frame.streamId());
                if (frame.type() == Frame.RESPONSE && answer != null) {
                    complete(answer, frame.data());
                }
            }
            end = new EOFException("the server closed the connection");
        } catch (IOException e) {
            end = e;
        }
        ended = end;
        connection.close();
        for (CompletableFuture<Response> answer : waiting.values()) {
            answer.completeExceptionally(end);
        }
    }

    private static void complete(CompletableFuture<Response> answer, byte[] data) {
        try {
            answer.complete(Response.parseFrom(data));
        } catch (InvalidProtocolBufferException e) {
            answer.completeExceptionally(e);
        }
    }

    @Override
    public void close() {
        connection.close();
    }
}
