package dev.hull.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.hull.ttrpc.wire.Request;
import dev.hull.ttrpc.wire.Response;
import dev.hull.ttrpc.wire.Status;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A ttrpc server on a unix socket: requests are dispatched by service and method to the registered
 * {@link Method}s. Each call runs on a virtual thread of its own, since a method may block for long (the
 * task service's Wait lasts as long as the process) while the connection's other calls go on; answers
 * go back in the order the calls end, matched to their requests by stream id.
 */
public final class TtrpcServer implements AutoCloseable {
    private final Map<String, Method> methods = new ConcurrentHashMap<>();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private volatile ServerSocketChannel listener;
    private volatile boolean closed;

    /** Adds a method under its full service name, as containerd calls it ("containerd.task.v2.Task", "Create"). */
    public TtrpcServer register(String service, String method, Method handler) {
        if (methods.putIfAbsent(service + "/" + method, handler) != null) {
            throw new IllegalStateException(service + "/" + method + " is registered already");
        }
        return this;
    }

    /** Binds a unix socket at the path and serves it (see {@link #serve(ServerSocketChannel)}). */
    public void serve(Path socket) throws IOException {
        ServerSocketChannel bound = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            bound.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            bound.close();
            throw e;
        }
        serve(bound);
    }

    /** Accepts connections on the listener from a thread of its own until {@link #close()}, which closes it. */
    public void serve(ServerSocketChannel socket) {
        listener = socket;
        Thread.ofVirtual().name("hull-ttrpc-accept").start(() -> accept(socket));
    }

    private void accept(ServerSocketChannel socket) {
        try {
            while (!closed) {
                Connection connection = new Connection(socket.accept());
                connections.add(connection);
                if (closed) {
                    // close() ran while this one was being accepted, and did not see it.
                    connection.close();
                    return;
                }
                Thread.ofVirtual().name("hull-ttrpc-connection").start(() -> read(connection));
            }
        } catch (IOException e) {
            // The listener is closed: close() ends the server.
        }
    }

    private void read(Connection connection) {
        try (connection) {
            for (Frame frame = connection.receive(); frame != null; frame = connection.receive()) {
                // Other types are ttrpc 1.2's stream data, which no unary method takes: ignored.
                if (frame.type() == Frame.REQUEST) {
                    Frame request = frame;
                    Thread.ofVirtual().name("hull-ttrpc-call").start(() -> answer(connection, request));
                }
            }
        } catch (IOException e) {
            // A broken frame (a length over the limit) or connection: closed, the client's calls fail.
        } finally {
            connections.remove(connection);
        }
    }

    private void answer(Connection connection, Frame request) {
        try {
            connection.send(Frame.response(request.streamId(), respond(request).toByteArray()));
        } catch (IOException e) {
            // The client has gone: there is nobody to answer.
        }
    }

    /** The response to a request frame: the method's, or the status of why there is none. */
    Response respond(Frame frame) {
        Response response;
        try {
            response = Response.newBuilder()
                    .setStatus(Status.newBuilder().setCode(Code.OK.value()))
                    .setPayload(ByteString.copyFrom(call(frame)))
                    .build();
        } catch (TtrpcException e) {
            return failure(e.code(), e.getMessage());
        } catch (RuntimeException e) {
            return failure(Code.INTERNAL, e.toString());
        }
        if (response.getSerializedSize() > Frame.MAX_DATA) {
            return failure(Code.RESOURCE_EXHAUSTED, "response of " + response.getSerializedSize()
                    + " bytes exceeds " + Frame.MAX_DATA);
        }
        return response;
    }

    private byte[] call(Frame frame) throws TtrpcException {
        if ((frame.streamId() & 1) == 0) {
            throw new TtrpcException(Code.INVALID_ARGUMENT, "stream id " + Integer.toUnsignedString(frame.streamId())
                    + " is even: a client's streams are odd");
        }
        Request request;
        try {
            request = Request.parseFrom(frame.data());
        } catch (InvalidProtocolBufferException e) {
            throw new TtrpcException(Code.INVALID_ARGUMENT, "malformed ttrpc request: " + e.getMessage());
        }
        Method method = methods.get(request.getService() + "/" + request.getMethod());
        if (method == null) {
            throw new TtrpcException(Code.UNIMPLEMENTED, "no method " + request.getService() + "/"
                    + request.getMethod());
        }
        return method.call(request.getPayload().toByteArray());
    }

    private static Response failure(Code code, String message) {
        return Response.newBuilder().setStatus(Status.newBuilder().setCode(code.value()).setMessage(message)).build();
    }

    /** Stops accepting and closes every connection; calls still running find nobody to answer. */
    @Override
    public void close() throws IOException {
        closed = true;
        ServerSocketChannel socket = listener;
        if (socket != null) {
            socket.close();
        }
        connections.forEach(Connection::close);
    }
}
