package dev.hull.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * runc's console-socket protocol: connect to a unix socket and send one message whose data is the
 * terminal's name and whose SCM_RIGHTS control message carries the pty master. Java's unix sockets
 * cannot pass fds, so this is done with socket/connect/sendmsg through FFM (x86_64 struct layouts).
 */
public final class FdPassing {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    /** struct sockaddr_un: a 2-byte family, then sun_path[108] (the path and its NUL). */
    private static final int SUN_PATH_SIZE = 108;
    private static final int SOCKADDR_UN_SIZE = 2 + SUN_PATH_SIZE;

    private FdPassing() {
    }

    private static final class H {
        static final MethodHandle SOCKET = Native.link("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        static final MethodHandle CONNECT = Native.link("connect", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        static final MethodHandle SENDMSG = Native.link("sendmsg", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }

    /** Sends {@code fd} with {@code name} as the message to the unix socket at {@code socket}. */
    public static void send(Path socket, String name, int fd) throws IOException {
        byte[] path = socket.toString().getBytes(StandardCharsets.UTF_8);
        if (path.length >= SUN_PATH_SIZE) {
            throw new IOException("console socket path is too long: " + socket);
        }
        try (Arena a = Arena.ofConfined()) {
            int s = (int) H.SOCKET.invokeExact(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (s < 0) {
                throw new IOException("socket() failed");
            }
            try {
                MemorySegment addr = a.allocate(SOCKADDR_UN_SIZE);
                addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
                MemorySegment.copy(path, 0, addr, ValueLayout.JAVA_BYTE, 2, path.length);
                if ((int) H.CONNECT.invokeExact(s, addr, SOCKADDR_UN_SIZE) != 0) {
                    throw new IOException("cannot connect to console socket " + socket);
                }
                byte[] data = name.getBytes(StandardCharsets.UTF_8);
                MemorySegment buf = a.allocate(Math.max(1, data.length));
                MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
                MemorySegment iov = a.allocate(16, 8);
                iov.set(ValueLayout.ADDRESS, 0, buf);
                iov.set(ValueLayout.JAVA_LONG, 8, data.length);
                MemorySegment cmsg = a.allocate(24, 8);
                cmsg.set(ValueLayout.JAVA_LONG, 0, 20);      // cmsg_len = CMSG_LEN(sizeof(int))
                cmsg.set(ValueLayout.JAVA_INT, 8, SOL_SOCKET);
                cmsg.set(ValueLayout.JAVA_INT, 12, SCM_RIGHTS);
                cmsg.set(ValueLayout.JAVA_INT, 16, fd);
                MemorySegment msg = a.allocate(56, 8);        // struct msghdr
                msg.set(ValueLayout.ADDRESS, 16, iov);
                msg.set(ValueLayout.JAVA_LONG, 24, 1);
                msg.set(ValueLayout.ADDRESS, 32, cmsg);
                msg.set(ValueLayout.JAVA_LONG, 40, 24);
                if ((long) H.SENDMSG.invokeExact(s, msg, 0) < 0) {
                    throw new IOException("sendmsg to console socket " + socket + " failed");
                }
            } finally {
                Terminal.close(s);
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("console socket " + socket, t);
        }
    }
}
