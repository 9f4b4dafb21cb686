package dev.hull.cli;

import dev.hull.logging.Log;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Passes the signals this JVM can catch on, instead of dying of them: an exec's CLI (a detached exec's relay,
 * whose pid the manager holds as the process's) stands for the process in the guest, and under runc a signal
 * to that pid is the process's. sun.misc.Signal (module jdk.unsupported, kept for this use by JEP 260) is
 * reached by reflection: javac warns on its direct use, and warnings fail the build. The JVM refuses the
 * signals it uses itself (SIGQUIT...), which then keep their usual effect; SIGKILL and SIGSTOP cannot be
 * caught at all (the VM owner watches for the caller's end: GuestContainer.bindToCaller).
 */
final class SignalRelay {
    private static final List<String> SIGNALS = List.of("HUP", "INT", "TERM", "USR1", "USR2", "ALRM", "WINCH",
            "CONT", "TSTP", "TTIN", "TTOU");

    private SignalRelay() {
    }

    /** From now on each signal in {@link #SIGNALS} that the JVM lets go of is given to {@code to}, by number. */
    static void forward(IntConsumer to) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Method handle = signal.getMethod("handle", signal, handlerType);
            Method number = signal.getMethod("getNumber");
            Object handler = Proxy.newProxyInstance(handlerType.getClassLoader(), new Class<?>[] {handlerType},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            to.accept((int) number.invoke(args[0]));
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "SignalRelay";
                    });
            for (String name : SIGNALS) {
                try {
                    handle.invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
                } catch (InvocationTargetException e) {
                    Log.debug("SIG" + name + " stays the JVM's: " + e.getCause().getMessage());
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            Log.debug("signals are not passed on: " + e);
        }
    }
}
