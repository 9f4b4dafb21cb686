package dev.hull.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * TCP on 127.0.0.1 through FFM, for the port forwarder: it needs SO_ORIGINAL_DST of each accepted socket
 * (the port a redirected connection was dialled to), and Java's sockets give no fd to ask it of. Blocking
 * calls, one thread each; {@link #shutdown} from another thread wakes them (x86_64 struct layouts).
 */
public final class LoopbackTcp {
    private static final int AF_INET = 2;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_REUSEADDR = 2;
    private static final int SO_LINGER = 13;
    private static final int SOL_IP = 0;
    /** linux/netfilter_ipv4.h: the destination a NAT rule rewrote. */
    private static final int SO_ORIGINAL_DST = 80;
    private static final int SHUT_WR = 1;
    private static final int SHUT_RDWR = 2;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int EINTR = 4;
    private static final int SOCKADDR_IN = 16;
    private static final int LOOPBACK = 0x7f000001;

    private LoopbackTcp() {
    }

    private static final class H {
        static final MethodHandle SOCKET = Native.withErrno("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        static final MethodHandle BIND = Native.withErrno("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        static final MethodHandle LISTEN = Native.withErrno("listen", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        static final MethodHandle ACCEPT = Native.withErrno("accept4", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        static final MethodHandle GETSOCKNAME = Native.withErrno("getsockname",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS));
        static final MethodHandle GETSOCKOPT = Native.withErrno("getsockopt",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        static final MethodHandle SETSOCKOPT = Native.withErrno("setsockopt",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        static final MethodHandle RECV = Native.withErrno("recv", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        static final MethodHandle SEND = Native.withErrno("send", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        static final MethodHandle SHUTDOWN = Native.withErrno("shutdown", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    /** Where {@link #recv} and {@link #sendAll} leave errno: one per thread that calls them. */
    public static MemorySegment callState(Arena arena) {
        return arena.allocate(Native.CALL_STATE);
    }

    /** A listening socket on 127.0.0.1 at a port the kernel picked. */
    public record Listener(int fd, int port) {
    }

    private static IOException failure(String what, MemorySegment state) {
        return new IOException(what + ": " + Native.strerror(Native.errno(state)));
    }

    private static RuntimeException unexpected(Throwable t) {
        return t instanceof RuntimeException r ? r : new IllegalStateException(t);
    }

    /** Listens on 127.0.0.1 and a free port (only this network namespace's loopback can reach it). */
    public static Listener listen(int backlog) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Native.CALL_STATE);
            int fd = (int) H.SOCKET.invokeExact(st, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw failure("socket", st);
            }
            try {
                MemorySegment one = a.allocate(ValueLayout.JAVA_INT);
                one.set(ValueLayout.JAVA_INT, 0, 1);
                int ignored = (int) H.SETSOCKOPT.invokeExact(st, fd, SOL_SOCKET, SO_REUSEADDR, one, 4);
                MemorySegment addr = a.allocate(SOCKADDR_IN, 4);
                addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
                addr.set(ValueLayout.JAVA_INT, 4, Integer.reverseBytes(LOOPBACK));
                if ((int) H.BIND.invokeExact(st, fd, addr, SOCKADDR_IN) != 0) {
                    throw failure("bind 127.0.0.1", st);
                }
                if ((int) H.LISTEN.invokeExact(st, fd, backlog) != 0) {
                    throw failure("listen", st);
                }
                MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
                len.set(ValueLayout.JAVA_INT, 0, SOCKADDR_IN);
                if ((int) H.GETSOCKNAME.invokeExact(st, fd, addr, len) != 0) {
                    throw failure("getsockname", st);
                }
                return new Listener(fd, port(addr));
            } catch (IOException | RuntimeException e) {
                close(fd);
                throw e;
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static int port(MemorySegment sockaddrIn) {
        return Short.toUnsignedInt(Short.reverseBytes(sockaddrIn.get(ValueLayout.JAVA_SHORT, 2)));
    }

    /** The next connection's fd; an IOException once the listener is shut down. */
    public static int accept(int listener) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Native.CALL_STATE);
            while (true) {
                int fd = (int) H.ACCEPT.invokeExact(st, listener, MemorySegment.NULL, MemorySegment.NULL,
                        SOCK_CLOEXEC);
                if (fd >= 0) {
                    return fd;
                }
                if (Native.errno(st) != EINTR) {
                    throw failure("accept", st);
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The port a NAT rule redirected this connection from, or -1 when none did (it was dialled directly). */
    public static int originalPort(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Native.CALL_STATE);
            MemorySegment addr = a.allocate(SOCKADDR_IN, 4);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, SOCKADDR_IN);
            if ((int) H.GETSOCKOPT.invokeExact(st, fd, SOL_IP, SO_ORIGINAL_DST, addr, len) != 0) {
                return -1;
            }
            return port(addr);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Up to {@code buf}'s size into it: the count, 0 at end of stream; an IOException when the peer reset. */
    public static int recv(int fd, MemorySegment state, MemorySegment buf) throws IOException {
        try {
            while (true) {
                long n = (long) H.RECV.invokeExact(state, fd, buf, buf.byteSize(), 0);
                if (n >= 0) {
                    return (int) n;
                }
                if (Native.errno(state) != EINTR) {
                    throw failure("recv", state);
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** All of {@code buf}'s first {@code len} bytes, or an IOException when the peer is gone. */
    public static void sendAll(int fd, MemorySegment state, MemorySegment buf, long len) throws IOException {
        try {
            long off = 0;
            while (off < len) {
                long n = (long) H.SEND.invokeExact(state, fd, buf.asSlice(off), len - off, MSG_NOSIGNAL);
                if (n >= 0) {
                    off += n;
                } else if (Native.errno(state) != EINTR) {
                    throw failure("send", state);
                }
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Ends what goes out (the peer reads end-of-file); {@code both}: and wakes whoever blocks on it. */
    public static void shutdown(int fd, boolean both) {
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) H.SHUTDOWN.invokeExact(a.allocate(Native.CALL_STATE), fd, both ? SHUT_RDWR : SHUT_WR);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Closes with a reset, as a refused connection looks to its client (SO_LINGER of 0). */
    public static void reset(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment linger = a.allocate(8, 4);
            linger.set(ValueLayout.JAVA_INT, 0, 1);
            int ignored = (int) H.SETSOCKOPT.invokeExact(a.allocate(Native.CALL_STATE), fd, SOL_SOCKET, SO_LINGER,
                    linger, 8);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static void close(int fd) {
        Native.close(fd);
    }
}
