package dev.hull.cli;

import dev.hull.error.BadInputException;
import dev.hull.error.HullException;
import java.nio.file.Path;

/** Small rules shared by several verbs. */
final class Options {
    private Options() {
    }

    /** The bundle from {@code --bundle}, else the OCI-style positional one, else the current folder. */
    static Path bundle(Path option, Path positional) throws HullException {
        if (option != null && positional != null && !option.equals(positional)) {
            throw new BadInputException("two bundles given: --bundle " + option + " and " + positional);
        }
        Path p = option != null ? option : positional;
        return (p == null ? Path.of(".") : p).toAbsolutePath().normalize();
    }
}
