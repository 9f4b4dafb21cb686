package dev.hull.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessFdsTest {
    @TempDir
    Path dir;

    /**
     * {@code 2>&1} is one open file; the same file opened twice is two, which only kcmp(2) tells apart (the
     * fallback sees one inode). kcmp's x86_64 number was once the generic table's, unshare(2) there.
     */
    @Test
    void oneOpenFileIsToldFromTheSameFileOpenedTwice() throws Exception {
        var out = dir.resolve("out").toFile();
        Process joined = new ProcessBuilder("sleep", "5").redirectOutput(out).redirectErrorStream(true).start();
        Process twice = new ProcessBuilder("sleep", "5").redirectOutput(out).redirectError(out).start();
        try {
            assertThat(ProcessFds.sameOpenFile(joined.pid(), 1, 2)).isTrue();
            assertThat(ProcessFds.sameOpenFile(twice.pid(), 1, 2)).isFalse();
        } finally {
            joined.destroyForcibly();
            twice.destroyForcibly();
        }
    }
}
