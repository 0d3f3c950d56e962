package dev.reel.pipeline;

import dev.reel.core.ReelException;

/**
 * A {@link GenerationRequest} broke a rule; thrown before any compute. The message names the field, the value
 * and the rule ({@code height = 100: must be a multiple of 16}); the server maps it to HTTP 400.
 */
public final class InvalidRequestException extends ReelException {
    private final String field;
    private final String value;
    private final String rule;

    public InvalidRequestException(String field, Object value, String rule) {
        super(field + " = " + show(value) + ": " + rule);
        this.field = field;
        this.value = show(value);
        this.rule = rule;
    }

    private static String show(Object value) {
        if (value instanceof String s) return '"' + (s.length() > 60 ? s.substring(0, 57) + "..." : s) + '"';
        return String.valueOf(value);
    }

    /** The request field, as named in {@link GenerationRequest} (e.g. {@code numFrames}). */
    public String field() { return field; }

    /** The offending value, as text. */
    public String value() { return value; }

    /** The rule the value broke (e.g. {@code must be a multiple of 16}). */
    public String rule() { return rule; }
}
