package dev.hull.cli;

import java.util.concurrent.Callable;

final class VersionCommand implements Callable<Integer> {
    static Syntax syntax() {
        return Syntax.command("version", "Print Hull's version, the git commit and the OCI runtime spec version.");
    }

    @Override
    public Integer call() throws Exception {
        for (String line : new Main.Version().getVersion()) {
            System.out.println(line);
        }
        return 0;
    }
}
