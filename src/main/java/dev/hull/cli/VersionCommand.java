package dev.hull.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "version", mixinStandardHelpOptions = true,
        description = "Print Hull's version, the git commit and the OCI runtime spec version.")
final class VersionCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        for (String line : new Main.Version().getVersion()) {
            System.out.println(line);
        }
        return 0;
    }
}
