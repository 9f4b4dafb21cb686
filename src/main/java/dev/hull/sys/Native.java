package dev.hull.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/** What the FFM wrappers of this package share: linking libc functions, errno, close. */
final class Native {
    static final Linker LINKER = Linker.nativeLinker();
    /** Allocate one of these per call for functions linked {@link #withErrno}. */
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private Native() {
    }

    static MethodHandle link(String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)), fd, options);
    }

    /** Linked so that its first argument is a {@link #CALL_STATE} segment that receives errno. */
    static MethodHandle withErrno(String name, FunctionDescriptor fd) {
        return link(name, fd, Linker.Option.captureCallState("errno"));
    }

    static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    /** read(2), linked {@link #withErrno}: (state, fd, buffer, length) → bytes or -1. */
    static final class Read {
        static final MethodHandle H = withErrno("read", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

        private Read() {
        }
    }

    private static final class Strerror {
        static final MethodHandle H = link("strerror", FunctionDescriptor.of(ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT));
    }

    /** The C library's message for {@code errno}. */
    static String strerror(int errno) {
        try {
            return ((MemorySegment) Strerror.H.invokeExact(errno)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static final class Close {
        static final MethodHandle H = link("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    static void close(int fd) {
        try {
            int ignored = (int) Close.H.invokeExact(fd);
        } catch (Throwable ignored) {
            // Nothing to do about a failed close.
        }
    }
}
