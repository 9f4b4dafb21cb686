package dev.hull.testing;

import dev.hull.sys.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs in a JVM of its own, as a subreaper, the way containerd's shim and conmon do: runs each command
 * (separated by {@code --}), then adopts the orphan whose pid the first wrote to PIDFILE and prints its
 * exit status. Usage: ReapShim PIDFILE -- COMMAND... [-- COMMAND...]
 */
public final class ReapShim {
    private ReapShim() {
    }

    public static void main(String[] args) throws Exception {
        Libc.becomeSubreaper();
        Path pidFile = Path.of(args[0]);
        List<List<String>> commands = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--")) {
                commands.add(new ArrayList<>());
            } else {
                commands.getLast().add(args[i]);
            }
        }
        for (List<String> cmd : commands) {
            Process p = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            if (p.waitFor() != 0) {
                System.out.println("failed: " + String.join(" ", cmd));
                System.exit(2);
            }
        }
        int pid = Integer.parseInt(Files.readString(pidFile));
        System.out.println("pid " + pid + " exited " + Libc.waitpid(pid));
    }
}
