package dev.hull.containerd;

import dev.hull.error.BadInputException;
import dev.hull.error.HullException;
import dev.hull.sys.Libc;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * {@code containerd-shim-hull-v2}: Hull as a containerd runtime v2 shim ({@code io.containerd.hull.v2}).
 * containerd runs it with {@code start} (it prints the socket of the pod's shim, starting one if there is
 * none), with {@code delete} (clean-up after a shim that died), and the shim it started runs with
 * {@code -socket} and no action: one JVM per pod that serves containerd's task service over ttrpc.
 */
public final class ShimMain {
    /** containerd's own rule for namespace names (identifiers.Validate), checked again: they make paths. */
    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*");
    private static final int MAX_NAMESPACE = 76;

    private ShimMain() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        int code;
        try {
            ShimFlags flags = ShimFlags.parse(args);
            code = run(flags, out);
        } catch (Exception e) {
            System.err.println("containerd-shim-hull-v2: " + HullException.message(e));
            code = 1;
        }
        out.flush();
        System.err.flush();
        if (Boolean.getBoolean("hull.jvmExit")) {
            // scripts/aot-train.sh: the JVM writes the AOT cache in its own exit.
            System.exit(code);
        }
        // The JVM's exit waits for threads in native code (a process reaper, a fifo read): nothing is left to do.
        Libc.exitNow(code);
    }

    private static int run(ShimFlags flags, PrintStream out) throws Exception {
        if (flags.version()) {
            out.println("containerd-shim-hull-v2 (Hull " + ShimMain.class.getPackage().getImplementationVersion()
                    + ")");
            return 0;
        }
        if (flags.namespace().length() > MAX_NAMESPACE || !NAMESPACE.matcher(flags.namespace()).matches()) {
            throw new BadInputException("namespace '" + flags.namespace() + "' is not valid (-namespace)");
        }
        ShimPlaces places = ShimPlaces.fromEnvironment();
        return switch (flags.action()) {
            case "start" -> ShimStart.run(flags, places, out);
            case "delete" -> ShimDelete.run(flags, places, out);
            case "" -> flags.socket() != null ? ShimServe.run(flags, places)
                    : fail("no action: containerd runs this binary with start or delete");
            default -> fail("unknown action '" + flags.action() + "': start or delete");
        };
    }

    private static int fail(String why) throws BadInputException {
        throw new BadInputException(why);
    }
}
