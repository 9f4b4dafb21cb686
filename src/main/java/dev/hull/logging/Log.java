package dev.hull.logging;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Hull's logs: the {@code --log} file in runc's text or JSON line format (containerd and podman read its
 * last error line), and the seed's global log, always written, in text with the pid on every line.
 * Each line is one append, so concurrent Hull processes never interleave inside a line.
 */
public final class Log {
    public enum Format { TEXT, JSON }

    public enum Level { DEBUG, INFO, WARN, ERROR }

    private static volatile Log current = new Log(null, Format.TEXT, false, List.of());

    private final Path file;
    private final Format format;
    private final boolean debug;
    private final List<Path> global;

    private Log(Path file, Format format, boolean debug, List<Path> global) {
        this.file = file;
        this.format = format;
        this.debug = debug;
        this.global = List.copyOf(global);
    }

    public static void configure(Path file, Format format, boolean debug, List<Path> global) {
        current = new Log(file, format, debug, global);
    }

    public static boolean debugEnabled() {
        return current.debug;
    }

    public static void debug(String msg) {
        current.write(Level.DEBUG, msg);
    }

    public static void info(String msg) {
        current.write(Level.INFO, msg);
    }

    public static void warn(String msg) {
        current.write(Level.WARN, msg);
    }

    public static void error(String msg) {
        current.write(Level.ERROR, msg);
    }

    private void write(Level level, String msg) {
        if (level == Level.DEBUG && !debug) {
            return;
        }
        String time = Instant.now().toString();
        // logrus's names, which runc's log has and managers parse: "warning", not "warn".
        String name = level == Level.WARN ? "warning" : level.name().toLowerCase(Locale.ROOT);
        if (file != null) {
            append(file, format == Format.JSON ? json(name, msg, time) : text(name, msg, time));
        }
        for (Path g : global) {
            createPrivate(g);
            append(g, time + " [" + ProcessHandle.current().pid() + "] " + name + ": " + msg + "\n");
        }
    }

    static String text(String level, String msg, String time) {
        return "time=\"" + time + "\" level=" + level + " msg=" + quote(msg) + "\n";
    }

    static String json(String level, String msg, String time) {
        return "{\"level\":\"" + level + "\",\"msg\":" + quote(msg) + ",\"time\":\"" + time + "\"}\n";
    }

    private static String quote(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }

    /**
     * The global log records every exec's command line, secrets on it included: it is made readable by its
     * owner only (an existing one is left as its owner set it).
     */
    private static void createPrivate(Path path) {
        if (!Files.exists(path)) {
            try {
                Files.createFile(path, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
            } catch (IOException e) {
                // Made by another Hull just now, or not writable: append says what it can.
            }
        }
    }

    /**
     * Text the guest wrote (a process's command line, an event), as it may be shown to people: control
     * characters, a terminal's escape sequences among them, as \xNN.
     */
    public static String printable(String guest) {
        StringBuilder sb = new StringBuilder(guest.length());
        guest.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                sb.append(String.format("\\x%02x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.toString();
    }

    private static void append(Path path, String line) {
        try {
            Files.write(path, line.getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            // A log that cannot be written must not turn into the container's failure.
        }
    }
}
