package dev.hull.testing;

import dev.hull.sys.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Runs in a JVM of its own, as a subreaper, the way containerd's shim and conmon do: runs
 * {@code hull ... create --pid-file F ...} and {@code hull ... start}, adopts the orphaned shim and prints
 * the shim's exit status. Usage: ReapShim PIDFILE ID -- CREATE-COMMAND... -- START-COMMAND...
 */
public final class ReapShim {
    private ReapShim() {
    }

    public static void main(String[] args) throws Exception {
        Libc.becomeSubreaper();
        Path pidFile = Path.of(args[0]);
        int sep2 = Arrays.asList(args).lastIndexOf("--");
        String[] create = Arrays.copyOfRange(args, 3, sep2);
        String[] start = Arrays.copyOfRange(args, sep2 + 1, args.length);
        Process c = new ProcessBuilder(create).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null")
                .toFile())).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(
                        ProcessBuilder.Redirect.INHERIT).start();
        if (c.waitFor() != 0) {
            System.out.println("create failed");
            System.exit(2);
        }
        int pid = Integer.parseInt(Files.readString(pidFile));
        if (new ProcessBuilder(start).inheritIO().start().waitFor() != 0) {
            System.out.println("start failed");
            System.exit(2);
        }
        System.out.println("shim " + pid + " exited " + Libc.waitpid(pid));
    }
}
