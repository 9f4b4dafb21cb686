package dev.hull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hull.error.BadInputException;
import dev.hull.error.InternalException;
import dev.hull.error.NotFoundException;
import dev.hull.error.WrongStateException;
import dev.hull.oci.BundleException;
import dev.hull.vm.VmException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of error becomes runc's kind of answer: its message as it is, exit status 1. */
class FailureTest {
    @TempDir
    Path root;

    @Test
    void eachKindPrintsItsMessageAndExitsOne() {
        assertThat(Failure.of(NotFoundException.container("c1")))
                .isEqualTo(new Failure("container 'c1' does not exist", 1));
        assertThat(Failure.of(WrongStateException.notRunning("c1")))
                .isEqualTo(new Failure("cannot kill container 'c1': container not running", 1));
        assertThat(Failure.of(WrongStateException.exists("c1")))
                .isEqualTo(new Failure("container 'c1' already exists", 1));
        assertThat(Failure.of(new BadInputException("unknown signal \"X\"")))
                .isEqualTo(new Failure("unknown signal \"X\"", 1));
        assertThat(Failure.of(new BundleException("config.json: bad"))).isEqualTo(new Failure("config.json: bad", 1));
        assertThat(Failure.of(new VmException("vm.cpus 0 must be at least 1")))
                .isEqualTo(new Failure("vm.cpus 0 must be at least 1", 1));
        assertThat(Failure.of(new InternalException("the shim failed without saying why")))
                .isEqualTo(new Failure("the shim failed without saying why", 1));
    }

    @Test
    void anyOtherExceptionIsAnInternalFaultNamedByItsMessageOrElseItsClass() {
        assertThat(Failure.of(new IOException("No space left on device")))
                .isEqualTo(new Failure("No space left on device", 1));
        assertThat(Failure.of(new NullPointerException())).isEqualTo(new Failure("java.lang.NullPointerException", 1));
    }

    @Test
    void theCausesAreNamedForTheDebugLog() {
        var e = new InternalException("cannot write the pid file", new IOException("EACCES",
                new IllegalStateException("deep")));
        assertThat(Failure.causes(e)).isEqualTo(
                // not code: the class names are text the expected message holds
                "caused by java.io.IOException: EACCES; by java.lang.IllegalStateException: deep");
        assertThat(Failure.causes(new BadInputException("x"))).isEmpty();
    }

    @Test
    void theCliPrintsTheMappedMessageAndStatus() {
        String root = this.root.toString();
        assertThat(run("--root", root, "state", "nonesuch")).isEqualTo(
                new Printed(1, "hull: container 'nonesuch' does not exist\n"));
        assertThat(run("--root", root, "kill", "../x")).isEqualTo(new Printed(1,
                "hull: invalid container id '../x': use letters, digits, '_', '+', '-' and '.',"
                + " and not '.' or '..'\n"));
        assertThat(run("--root", root, "kill", "c1", "SIGNOPE")).isEqualTo(
                new Printed(1, "hull: unknown signal \"SIGNOPE\"\n"));
        assertThat(run("--root", root, "--log-format", "xml", "list")).isEqualTo(
                new Printed(1, "hull: unknown --log-format 'xml': use text or json\n"));
    }

    private record Printed(int status, String stderr) {
    }

    private static Printed run(String... args) {
        var err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int status = Main.execute(args);
            return new Printed(status, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }
}
