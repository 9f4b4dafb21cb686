package dev.hull.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The golden files under {@code src/test/resources/golden/}: each holds the exact bytes of one file or line
 * Hull writes (state.json, one shim.sock line with its newline). A codec's encoder must write them byte for
 * byte and its decoder must read them back into the expected record.
 *
 * <p>To change a format on purpose, run the tests with {@code -Dgolden.update=true}
 * ({@code mvn -B -o test -Dtest='StateJsonTest,ShimCodecTest' -Dgolden.update=true}): each check
 * then writes what the encoder wrote into its file, or makes a new file, instead of comparing; review the
 * result with {@code git diff src/test/resources/golden}.
 */
public final class Golden {
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");

    private Golden() {
    }

    public static Path file(String name) {
        return TestAssets.projectDir().resolve("src/test/resources/golden").resolve(name);
    }

    /** The golden file's bytes, as text. */
    public static String read(String name) throws IOException {
        return Files.readString(file(name), StandardCharsets.UTF_8);
    }

    /** {@code written} is the golden file byte for byte (or becomes it, under {@code -Dgolden.update=true}). */
    public static void assertWritten(String name, String written) throws IOException {
        if (UPDATE) {
            Files.createDirectories(file(name).getParent());
            Files.writeString(file(name), written, StandardCharsets.UTF_8);
            return;
        }
        assertThat(written).as("%s (regenerate on purpose with -Dgolden.update=true)", file(name))
                .isEqualTo(read(name));
    }
}
