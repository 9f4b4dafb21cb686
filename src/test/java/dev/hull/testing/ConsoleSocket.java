package dev.hull.testing;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The manager's end of runc's console socket, as containerd and conmon have it: listen, accept one
 * connection, receive the pty master over SCM_RIGHTS; then read and write the terminal through it.
 */
public final class ConsoleSocket implements AutoCloseable {
    private static final Linker L = Linker.nativeLinker();
    private static final MethodHandle SOCKET = h("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = h("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle LISTEN = h("listen", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle ACCEPT = h("accept", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    private static final MethodHandle RECVMSG = h("recvmsg", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle READ = h("read", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITE = h("write", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle CLOSE = h("close", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT));

    private final int listener;
    private final CompletableFuture<Integer> master = new CompletableFuture<>();

    private static MethodHandle h(String name, FunctionDescriptor fd) {
        return L.downcallHandle(L.defaultLookup().find(name).orElseThrow(), fd);
    }

    public ConsoleSocket(Path path) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            listener = (int) SOCKET.invokeExact(1, 1, 0);
            MemorySegment addr = a.allocate(110);
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) 1);
            byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
            MemorySegment.copy(p, 0, addr, ValueLayout.JAVA_BYTE, 2, p.length);
            if ((int) BIND.invokeExact(listener, addr, 110) != 0 || (int) LISTEN.invokeExact(listener, 1) != 0) {
                throw new IOException("cannot listen on " + path);
            }
        }
        Thread.ofPlatform().daemon().start(this::receive);
    }

    private void receive() {
        try (Arena a = Arena.ofConfined()) {
            int conn = (int) ACCEPT.invokeExact(listener, MemorySegment.NULL, MemorySegment.NULL);
            MemorySegment buf = a.allocate(256);
            MemorySegment iov = a.allocate(16, 8);
            iov.set(ValueLayout.ADDRESS, 0, buf);
            iov.set(ValueLayout.JAVA_LONG, 8, 256);
            MemorySegment cmsg = a.allocate(64, 8);
            MemorySegment msg = a.allocate(56, 8);
            msg.set(ValueLayout.ADDRESS, 16, iov);
            msg.set(ValueLayout.JAVA_LONG, 24, 1);
            msg.set(ValueLayout.ADDRESS, 32, cmsg);
            msg.set(ValueLayout.JAVA_LONG, 40, 64);
            long n = (long) RECVMSG.invokeExact(conn, msg, 0);
            int ignored = (int) CLOSE.invokeExact(conn);
            if (n < 0 || cmsg.get(ValueLayout.JAVA_INT, 12) != 1) {
                master.completeExceptionally(new IOException("no fd received"));
                return;
            }
            master.complete(cmsg.get(ValueLayout.JAVA_INT, 16));
        } catch (Throwable t) {
            master.completeExceptionally(t);
        }
    }

    /** The pty master, once the runtime sent it. */
    public int master() throws Exception {
        return master.get(120, TimeUnit.SECONDS);
    }

    public void write(String text) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            MemorySegment s = a.allocate(b.length);
            MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
            long ignored = (long) WRITE.invokeExact(master(), s, (long) b.length);
        }
    }

    /** Reads what the terminal shows until it contains {@code wanted} (or the master reports the end). */
    public String readUntil(String wanted) throws Throwable {
        StringBuilder sb = new StringBuilder();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(4096);
            while (!sb.toString().contains(wanted)) {
                long n = (long) READ.invokeExact(master(), s, 4096L);
                if (n <= 0) {
                    break;
                }
                sb.append(new String(s.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            }
        }
        return sb.toString();
    }

    @Override
    public void close() throws Exception {
        try {
            int ignored = (int) CLOSE.invokeExact(listener);
            if (master.isDone() && !master.isCompletedExceptionally()) {
                ignored = (int) CLOSE.invokeExact((int) master.get());
            }
        } catch (Exception e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
