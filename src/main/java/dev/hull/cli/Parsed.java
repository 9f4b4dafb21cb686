package dev.hull.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ParseResult;

/** What picocli parsed for one command ({@link Syntax}), typed: values keep the types the syntax declared. */
record Parsed(ParseResult result) {
    boolean flag(String name) {
        return result.matchedOptionValue(name, false);
    }

    <T> T value(String name, T fallback) {
        return result.matchedOptionValue(name, fallback);
    }

    /** A repeated option's values (a new list: verbs may add to it). */
    <T> List<T> values(String name) {
        return new ArrayList<>(result.<List<T>>matchedOptionValue(name, List.of()));
    }

    /** The container id ({@link Syntax#id}). */
    String id() {
        return positional(0, null);
    }

    /** The positional parameter declared {@code index}-th. */
    <T> T positional(int index, T fallback) {
        return result.matchedPositionalValue(index, fallback);
    }

    /** The values of a {@link Syntax#rest} declared {@code index}-th. */
    <T> List<T> rest(int index) {
        return new ArrayList<>(result.<List<T>>matchedPositionalValue(index, List.of()));
    }
}
