package dev.reel.pipeline;

import java.time.Duration;

/**
 * Wall time of one pipeline stage.
 *
 * @param stage    the stage's name ({@code InputValidation}, {@code TextEncoding}, …)
 * @param duration how long it ran
 */
public record StageTiming(String stage, Duration duration) {
    /** Milliseconds, fractional. */
    public double millis() { return duration.toNanos() / 1e6; }
}
