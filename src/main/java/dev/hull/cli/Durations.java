package dev.hull.cli;

import dev.hull.error.BadInputException;
import dev.hull.error.HullException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style durations as runc takes them: {@code 500ms}, {@code 5s}, {@code 1m}, {@code 1h}. */
final class Durations {
    private static final Pattern P = Pattern.compile("(\\d+)(ms|s|m|h)");

    private Durations() {
    }

    static Duration parse(String text) throws HullException {
        Matcher m = P.matcher(text.trim());
        if (!m.matches()) {
            throw new BadInputException("invalid duration '" + text + "': use a number with ms, s, m or h");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.isZero()) {
            throw new BadInputException("the interval must be more than zero");
        }
        return d;
    }
}
