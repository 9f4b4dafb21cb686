package dev.hull.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullCli;
import dev.hull.testing.HullTest;
import dev.hull.vm.TemplateStore;
import dev.hull.vm.VmConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * VMs started as clones of a booted template (docs/architecture.md, "Templates"). Each test gives its
 * bundles a kernel parameter of its own ({@code hull.it=...}, which the guest ignores), so that its VMs
 * have a shape no other test's have: the first create makes their template, in the host's store.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CliTemplateIT extends HullTest {
    private final String mark = "hull.it=" + UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void removeOurTemplates() throws IOException {
        removeTemplates(mark);
    }

    private static void removeTemplates(String param) throws IOException {
        for (Path t : templates(param)) {
            try (Stream<Path> s = Files.walk(t)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** The store's templates (and their failure notes) whose kernel command line has {@code param}. */
    private static List<Path> templates(String param) throws IOException {
        Path store = TemplateStore.forThisUser().dir();
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(store)) {
            return out;
        }
        try (Stream<Path> s = Files.list(store)) {
            for (Path t : s.filter(Files::isDirectory).toList()) {
                Path shape = t.resolve("shape");
                if (!t.getFileName().toString().contains(".") && Files.isRegularFile(shape)
                        && (" " + Files.readString(shape).replace("\n", " ")).contains(" " + param + " ")) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    private Path bundle(String name, String param, String... args) throws Exception {
        ObjectNode config = Bundles.config(args);
        ObjectNode vm = config.putObject("vm").put("template", "on");
        vm.putObject("kernel").put("parameters", String.join(" ", VmConfig.DEFAULT_KERNEL_PARAMS) + " " + param);
        return Bundles.write(dir.resolve(name), config);
    }

    private JsonNode listed(String id) throws Exception {
        for (JsonNode c : Bundles.JSON.readTree(hull.run("list", "--all", "--format", "json").assertOk().stdout())) {
            if (c.get("id").asText().equals(id)) {
                return c;
            }
        }
        throw new AssertionError("no " + id + " in list");
    }

    private String exec(String id, String script) throws Exception {
        return hull.run("exec", id, "sh", "-c", script).assertOk().stdout();
    }

    @Test
    void twoClonesHaveTheirOwnRandomnessBootIdClockAndRoot() throws Exception {
        // The first thing each workload does is read /dev/urandom: the guest was reseeded before it ran.
        String first = "head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n' > /random; sleep 600";
        Path a = bundle("a", mark, "sh", "-c", first);
        Path b = bundle("b", mark, "sh", "-c", first);
        hull.run("run", "-d", "-b", a.toString(), "a").assertOk();
        hull.run("run", "-d", "-b", b.toString(), "b").assertOk();
        assertThat(templates(mark)).as("one template for both").hasSize(1);
        String template = templates(mark).getFirst().getFileName().toString();
        assertThat(listed("a").at("/vm/template").asText()).isEqualTo(template);
        assertThat(listed("b").at("/vm/template").asText()).isEqualTo(template);

        assertThat(Files.readString(a.resolve("rootfs/random"))).hasSize(32)
                .isNotEqualTo(Files.readString(b.resolve("rootfs/random")));
        String bootA = exec("a", "cat /proc/sys/kernel/random/boot_id");
        assertThat(bootA).isNotEqualTo(exec("b", "cat /proc/sys/kernel/random/boot_id"));
        for (String id : List.of("a", "b")) {
            long guest = Long.parseLong(exec(id, "date +%s").strip());
            assertThat(Math.abs(guest - Instant.now().getEpochSecond())).as("wall clock of " + id)
                    .isLessThanOrEqualTo(1);
        }
        exec("a", "echo only-a > /written");
        assertThat(Files.readString(a.resolve("rootfs/written"))).isEqualTo("only-a\n");
        assertThat(exec("b", "cat /written 2>&1 || echo absent")).endsWith("absent\n");
        assertThat(b.resolve("rootfs/written")).doesNotExist();
        for (String id : List.of("a", "b")) {
            hull.run("delete", "--force", id).assertOk();
        }
    }

    @Test
    void aChangedKernelCommandLineMakesANewTemplate() throws Exception {
        hull.run("run", "-b", bundle("one", mark, "true").toString(), "one").assertOk();
        String other = mark + "x";
        try {
            hull.run("run", "-b", bundle("two", other, "true").toString(), "two").assertOk();
            assertThat(templates(mark)).hasSize(1);
            assertThat(templates(other)).hasSize(1).doesNotContainAnyElementsOf(templates(mark));
        } finally {
            removeTemplates(other);
        }
    }

    @Test
    void aCorruptTemplateMakesAColdBootThatRunsTheContainerAndTheLogSaysWhy() throws Exception {
        hull.run("run", "-b", bundle("made", mark, "true").toString(), "made").assertOk();
        Path template = templates(mark).getFirst();
        Files.write(template.resolve("state"), "QEVMnot a state file".getBytes());
        Path slotNote = template.resolveSibling(template.getFileName().toString().split("-")[0] + ".failed");
        try {
            HullCli.Result r = hull.run("run", "-b", bundle("cold", mark, "sh", "-c", "echo ran").toString(), "cold");
            assertThat(r.code()).as(r.stderr()).isZero();
            assertThat(r.stdout()).isEqualTo("ran\n");
            String log = Files.readString(hull.root().resolve("hull.log"));
            assertThat(log).contains("cannot start hull-cold from the template " + template);
            assertThat(template).as("the corrupt template is gone").doesNotExist();
        } finally {
            Files.deleteIfExists(slotNote);
        }
    }

    @Test
    void tenParallelFirstCreatesMakeOneTemplate() throws Exception {
        List<Process> runs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Path b = bundle("p" + i, mark, "sh", "-c", "echo ok");
            runs.add(new ProcessBuilder(hull.command("run", "-b", b.toString(), "p" + i))
                    .redirectErrorStream(true).start());
        }
        for (Process p : runs) {
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(240, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).isEqualTo("ok\n");
        }
        assertThat(templates(mark)).hasSize(1);
    }
}
