package dev.hull.vm;

import dev.hull.error.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The seed's hypervisor.args format: one argument per line, {@code #} comments, blank lines ignored,
 * {@code @TAG@} expanded. A tag Hull does not know is an error naming the tag and where it was found,
 * so a typo never reaches qemu as a literal.
 */
public final class HypervisorArgs {
    private static final Pattern TAG = Pattern.compile("@([A-Z_]+)@");
    private static final String BUILT_IN = "hypervisor.args";
    private static final String BUILT_IN_9P = "hypervisor-9p.args";
    private static final String BUILT_IN_CLONE = "hypervisor-clone.args";

    private final String origin;
    private final List<String> lines;

    private HypervisorArgs(String origin, List<String> lines) {
        this.origin = origin;
        this.lines = List.copyOf(lines);
    }

    public static HypervisorArgs parse(String origin, String text) {
        List<String> args = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            String arg = line.strip();
            if (!arg.isEmpty() && !arg.startsWith("#")) {
                args.add(arg);
            }
        }
        return new HypervisorArgs(origin, args);
    }

    public static HypervisorArgs read(Path file) throws IOException {
        return parse(file.toString(), Files.readString(file));
    }

    /** The built-in template: the root shared over virtio-fs ({@code true}) or over 9p. */
    public static HypervisorArgs builtIn(boolean virtioFs) {
        return resource(virtioFs ? BUILT_IN : BUILT_IN_9P);
    }

    /**
     * The built-in arguments of a template and its clones: 9p's, with the RAM in a file. Read from the jar
     * once: a clone's start asks for them three times (its shape's slot twice, qemu's arguments).
     */
    public static HypervisorArgs builtInClone() {
        return CloneArgs.ARGS;
    }

    /** Holds the clone arguments, read when first asked for. */
    private static final class CloneArgs {
        static final HypervisorArgs ARGS = resource(BUILT_IN_CLONE);
    }

    private static HypervisorArgs resource(String name) {
        try (InputStream in = HypervisorArgs.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("built-in " + name + " is missing from the jar");
            }
            return parse("built-in " + name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read built-in " + name, e);
        }
    }

    /** Whether an argument names {@code @tag@}: the tags used say what must run beside qemu. */
    public boolean uses(String tag) {
        String marked = "@" + tag + "@";
        return lines.stream().anyMatch(l -> l.contains(marked));
    }

    public String origin() {
        return origin;
    }

    /** The arguments, tags unexpanded, a line each. */
    public String text() {
        return String.join("\n", lines);
    }

    /** The arguments with every tag replaced by its value from {@code tags} (keys without the @). */
    public List<String> expand(Map<String, String> tags) throws BadInputException {
        List<String> out = new ArrayList<>(lines.size());
        for (String line : lines) {
            Matcher m = TAG.matcher(line);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String value = tags.get(m.group(1));
                if (value == null) {
                    throw new BadInputException("unknown tag " + m.group() + " in " + origin);
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(value));
            }
            m.appendTail(sb);
            out.add(sb.toString());
        }
        return out;
    }
}
