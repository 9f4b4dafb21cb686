package dev.hull.containerd;

import dev.hull.error.BadInputException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The command line containerd gives a runtime v2 shim binary, in Go's flag syntax ({@code -name value},
 * {@code -name=value}, one or two dashes; {@code -debug} and {@code -v} alone): namespace, id, address,
 * publish-binary, bundle (delete only; start's bundle is its working folder), socket, then the action
 * ({@code start}, {@code delete}) or none (the long-lived shim, given {@code -socket}).
 */
record ShimFlags(String namespace, String id, String address, String publishBinary, Path bundle, Path socket,
        boolean debug, boolean version, String action) {
    private static final Set<String> VALUED = Set.of("namespace", "id", "address", "publish-binary", "bundle",
            "socket");
    private static final Set<String> BOOLEAN = Set.of("debug", "v");

    static ShimFlags parse(String... args) throws BadInputException {
        Map<String, String> values = new TreeMap<>();
        String action = "";
        int i = 0;
        while (i < args.length) {
            String a = args[i++];
            if (!a.startsWith("-") || a.equals("-") || a.equals("--")) {
                action = a;
                break;
            }
            String name = a.replaceFirst("^--?", "");
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (BOOLEAN.contains(name)) {
                values.put(name, value == null ? "true" : value);
            } else if (VALUED.contains(name)) {
                if (value == null) {
                    if (i >= args.length) {
                        throw new BadInputException("flag needs an argument: -" + name);
                    }
                    value = args[i++];
                }
                values.put(name, value);
            } else {
                throw new BadInputException("flag provided but not defined: -" + name);
            }
        }
        if (i < args.length) {
            throw new BadInputException("unexpected argument after " + action + ": " + args[i]);
        }
        return new ShimFlags(values.getOrDefault("namespace", ""), values.getOrDefault("id", ""),
                values.getOrDefault("address", ""), values.getOrDefault("publish-binary", "containerd"),
                values.containsKey("bundle") ? Path.of(values.get("bundle")) : null,
                values.containsKey("socket") ? Path.of(values.get("socket")) : null,
                "true".equals(values.get("debug")), "true".equals(values.get("v")), action);
    }
}
