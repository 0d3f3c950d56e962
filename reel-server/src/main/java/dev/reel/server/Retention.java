package dev.reel.server;

import dev.reel.core.ReelException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses retention ages such as {@code 7d}, {@code 12h}, {@code 30m}, {@code 45s} or {@code 0} (forever). */
public final class Retention {
    private static final Pattern AGE = Pattern.compile("(\\d{1,9})([smhd]?)");

    private Retention() {}

    /** The age {@code value} names; the error names {@code flag}, the value and the accepted forms. */
    public static Duration parse(String flag, String value) {
        Matcher m = AGE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) throw new ReelException(flag + " " + value + ": must be a number with s, m, h or d (e.g. 7d, 12h), or 0 to keep jobs forever");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s", "" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
