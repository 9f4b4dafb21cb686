package dev.hull.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Each test of a manager leaves no mount of its own under /run/hull (a container's root, its volumes,
 * the pod share). JUnit runs this after the test class's own @AfterEach, which removes what the manager
 * still holds; mounts that were there before the test are not the test's.
 */
final class NoMountsLeft implements BeforeEachCallback, AfterEachCallback {
    private List<Path> before = List.of();

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        before = Commands.runHullMounts();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        assertThat(Commands.runHullMounts()).as("mounts left under /run/hull").isSubsetOf(before);
    }
}
