package dev.hull.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hull.testing.Bundles;
import dev.hull.testing.HullTest;
import dev.hull.testing.HullCli;
import dev.hull.testing.HullCli.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Concurrent creates of different ids, and concurrent verbs on one id. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CliConcurrencyIT extends HullTest {
    private static <T> List<T> all(List<Callable<T>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            List<T> results = new ArrayList<>();
            for (Future<T> f : pool.invokeAll(tasks)) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentCreatesAndRacingVerbs() throws Exception {
        HullCli hull = new HullCli(dir);
        Path bundle = Bundles.of(dir.resolve("bundle"), "sleep", "1000");
        List<String> ids = List.of("p1", "p2", "p3");

        List<Result> created = all(ids.stream().<Callable<Result>>map(id ->
                () -> hull.run("run", "-d", "-b", bundle.toString(), id)).toList());
        assertThat(created).allSatisfy(r -> assertThat(r.code()).as(r.stderr()).isZero());
        assertThat(hull.run("list", "-q").assertOk().stdout().lines().toList()).containsExactlyElementsOf(ids);

        // Two deletes and a kill race on p1: exactly one delete wins, nothing breaks.
        List<Result> racing = all(List.of(
                () -> hull.run("delete", "--force", "p1"),
                () -> hull.run("delete", "--force", "p1"),
                () -> hull.run("kill", "p1", "TERM")));
        long deletes = racing.subList(0, 2).stream().filter(r -> r.code() == 0).count();
        assertThat(deletes).isEqualTo(1);
        assertThat(racing).allSatisfy(r -> assertThat(r.code() == 0 || r.stderr().contains("p1"))
                .as(r.stderr()).isTrue());
        assertThat(hull.run("state", "p1").code()).isEqualTo(1);

        all(List.<Callable<Result>>of(() -> hull.run("delete", "-f", "p2"), () -> hull.run("delete", "-f", "p3")))
                .forEach(Result::assertOk);
        try (var entries = Files.list(hull.root())) {
            assertThat(entries.filter(Files::isDirectory).toList()).isEmpty();
        }
    }
}
