package dev.reel.pipeline;

import dev.reel.core.ReelException;

/**
 * A {@link GenerationRequest} broke a rule; thrown before any compute. The message names the field, the value
 * and the rule ({@code height = 100: must be a multiple of 16}); the server maps it to HTTP 400. A value that keeps
 * the rules but exceeds a configured {@link GenerationLimits limit} is marked {@link #limit()}.
 */
public final class InvalidRequestException extends ReelException {
    private final String field;
    private final String value;
    private final String rule;
    private final boolean limit;

    /** A broken rule. */
    public InvalidRequestException(String field, Object value, String rule) { this(field, value, rule, false); }

    private InvalidRequestException(String field, Object value, String rule, boolean limit) {
        super(field + " = " + show(value) + ": " + rule);
        this.field = field;
        this.value = show(value);
        this.rule = rule;
        this.limit = limit;
    }

    /** A value over a configured limit. */
    public static InvalidRequestException limit(String field, Object value, String rule) {
        return new InvalidRequestException(field, value, rule, true);
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

    /** True if the value is over a configured limit rather than against a rule of the model. */
    public boolean limit() { return limit; }
}
