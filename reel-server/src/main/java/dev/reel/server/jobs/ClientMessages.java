package dev.reel.server.jobs;

import java.util.regex.Pattern;

/**
 * What of an internal error message a client may see: server file paths are replaced by {@code <path>} (they
 * tell an outsider the layout of the machine); the whole message stays in the server's log.
 */
public final class ClientMessages {
    /** An absolute path: a slash-started run of two or more segments (a lone "/" or "a/b" is left alone). */
    private static final Pattern PATH = Pattern.compile("(?<![\\w.])(?:/[\\w.@+~-]+){2,}/?");
    /** Longest message shown to a client. */
    private static final int MAX = 500;

    private ClientMessages() {}

    /** {@code message} with absolute paths replaced and clipped to a readable length; null becomes "". */
    public static String redact(String message) {
        if (message == null) return "";
        String m = PATH.matcher(message).replaceAll("<path>");
        return m.length() <= MAX ? m : m.substring(0, MAX) + "…";
    }
}
