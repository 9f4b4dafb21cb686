package dev.hull.cli;

import dev.hull.error.BadInputException;
import java.util.Locale;
import java.util.Map;

/** Linux signal names and numbers, as {@code kill} accepts them: {@code 9}, {@code KILL}, {@code SIGKILL}. */
final class Signals {
    private static final Map<String, Integer> NUMBERS = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4),
            Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7),
            Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11),
            Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15),
            Map.entry("STKFLT", 16), Map.entry("CHLD", 17), Map.entry("CONT", 18), Map.entry("STOP", 19),
            Map.entry("TSTP", 20), Map.entry("TTIN", 21), Map.entry("TTOU", 22), Map.entry("URG", 23),
            Map.entry("XCPU", 24), Map.entry("XFSZ", 25), Map.entry("VTALRM", 26), Map.entry("PROF", 27),
            Map.entry("WINCH", 28), Map.entry("IO", 29), Map.entry("POLL", 29), Map.entry("PWR", 30),
            Map.entry("SYS", 31));
    private static final int SIGRTMAX = 64;

    private Signals() {
    }

    static int parse(String text) throws BadInputException {
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
            int n = s.length() > 3 ? -1 : Integer.parseInt(s);
            if (n >= 1 && n <= SIGRTMAX) {
                return n;
            }
            throw new BadInputException("unknown signal \"" + text + "\": numbers go from 1 to " + SIGRTMAX);
        }
        Integer n = NUMBERS.get(s.startsWith("SIG") ? s.substring(3) : s);
        if (n == null) {
            throw new BadInputException("unknown signal \"" + text + "\"");
        }
        return n;
    }
}
