package dev.hull.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The host kernel's log as {@code dmesg} reads it: {@code /dev/kmsg}, one record per read(2). Opened
 * non-blocking, since a read at the end of the log would otherwise wait for the next message.
 */
public final class KernelLog {
    private static final int O_RDONLY_NONBLOCK_CLOEXEC = 0x800 | 0x80000;
    /** A record that was overwritten while we read: the next read goes on from the oldest one kept. */
    private static final int EPIPE = 32;
    /** A record is at most 8 KiB (the kernel's own limit for one read of /dev/kmsg is 8 KiB too). */
    private static final int RECORD = 8192;

    private KernelLog() {
    }

    private static final class Calls {
        static final MethodHandle OPEN = Native.withErrno("open",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }

    /**
     * The messages (text after the record's header) still in the log, oldest first, at most {@code max};
     * empty when this user may not read it (dmesg_restrict) or there is none.
     */
    public static List<String> messages(int max) {
        List<String> out = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            int fd = (int) Calls.OPEN.invokeExact(state, arena.allocateFrom("/dev/kmsg"), O_RDONLY_NONBLOCK_CLOEXEC);
            if (fd < 0) {
                return out;
            }
            try {
                MemorySegment buf = arena.allocate(RECORD);
                while (out.size() < max) {
                    long n = (long) Native.Read.H.invokeExact(state, fd, buf, (long) RECORD);
                    if (n < 0 && Native.errno(state) == EPIPE) {
                        continue;
                    }
                    if (n <= 0) {
                        break;
                    }
                    String record = new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE),
                            StandardCharsets.UTF_8);
                    int text = record.indexOf(';');
                    int end = record.indexOf('\n');
                    out.add(record.substring(text + 1, end > text ? end : record.length()));
                }
            } finally {
                Native.close(fd);
            }
        } catch (Throwable t) {
            // No log to read: the caller has other sources.
        }
        return out;
    }
}
