package dev.hull.cli;

import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A command's line declared in code, through picocli's programmatic model. picocli's annotations are read by
 * reflection on every call, and each annotation type costs the JVM a proxy class made at run time (the AOT
 * cache cannot hold them): the annotated model cost every CLI call ~45 ms of its ~145 ms.
 */
final class Syntax {
    private final CommandSpec spec;
    private int positionals;

    private Syntax(CommandSpec spec) {
        this.spec = spec;
    }

    static Syntax command(String name, String... description) {
        CommandSpec spec = CommandSpec.create().name(name);
        spec.usageMessage().description(description);
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
        return new Syntax(spec);
    }

    Syntax hidden() {
        spec.usageMessage().hidden(true);
        return this;
    }

    Syntax aliases(String... aliases) {
        spec.aliases(aliases);
        return this;
    }

    /** {@code -V, --version}: printed from {@code provider}. */
    Syntax version(picocli.CommandLine.IVersionProvider provider) {
        spec.versionProvider(provider);
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
        return this;
    }

    /** An option without a value. */
    Syntax flag(String description, String... names) {
        spec.addOption(OptionSpec.builder(names).type(boolean.class).arity("0").description(description).build());
        return this;
    }

    /** An option with one value of {@code type}. */
    Syntax option(Class<?> type, String label, String description, String... names) {
        spec.addOption(OptionSpec.builder(names).type(type).paramLabel(label).description(description).build());
        return this;
    }

    /** An option that may be given many times, each with one value of {@code type}. */
    Syntax repeated(Class<?> type, String label, String description, String... names) {
        spec.addOption(OptionSpec.builder(names).type(List.class).auxiliaryTypes(type).arity("1")
                .paramLabel(label).description(description).build());
        return this;
    }

    /** An option for Hull's own use (the shim's and the relay's), left out of the help. */
    Syntax internal(Class<?> type, boolean required, String... names) {
        spec.addOption(OptionSpec.builder(names).type(type).arity(type == boolean.class ? "0" : "1")
                .required(required).hidden(true).build());
        return this;
    }

    /** The container id, the first positional parameter of most verbs. */
    Syntax id() {
        return positional(String.class, "ID", "container id");
    }

    /** The next positional parameter, required. */
    Syntax positional(Class<?> type, String label, String description) {
        return positional(type, label, description, "1");
    }

    /** The next positional parameter, which may be left out. */
    Syntax optional(Class<?> type, String label, String description) {
        return positional(type, label, description, "0..1");
    }

    private Syntax positional(Class<?> type, String label, String description, String arity) {
        spec.addPositional(PositionalParamSpec.builder().index(Integer.toString(positionals++)).arity(arity)
                .required(arity.equals("1")).type(type).paramLabel(label).description(description).build());
        return this;
    }

    /** Every argument from here on (a command and its arguments). */
    Syntax rest(String label, String description) {
        spec.addPositional(PositionalParamSpec.builder().index(positionals++ + "..*").arity("0..*")
                .type(List.class).auxiliaryTypes(String.class).paramLabel(label).description(description).build());
        return this;
    }

    CommandSpec spec() {
        return spec;
    }
}
