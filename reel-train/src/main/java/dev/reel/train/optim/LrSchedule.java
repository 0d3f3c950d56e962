package dev.reel.train.optim;

import dev.reel.core.ReelException;

/** A learning rate per step (0-based): linear warm-up, then constant or cosine decay to zero. */
public record LrSchedule(Kind kind, float peak, int warmupSteps, int totalSteps) {
    /** The shape after warm-up. */
    public enum Kind { CONSTANT, COSINE }

    public LrSchedule {
        if (warmupSteps < 0) throw new ReelException("--warmup-steps must be >= 0, got " + warmupSteps);
        if (totalSteps <= 0) throw new ReelException("--steps must be > 0, got " + totalSteps);
    }

    /** The rate at {@code step}: {@code peak·(step+1)/warmup} during warm-up (as diffusers' schedulers), then the shape. */
    public float at(int step) {
        if (step < warmupSteps) return peak * (step + 1) / warmupSteps;
        return switch (kind) {
            case CONSTANT -> peak;
            case COSINE -> {
                double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
                yield (float) (peak * 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, progress))));
            }
        };
    }

    /** Parses {@code constant} or {@code cosine}. */
    public static Kind parseKind(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "constant" -> Kind.CONSTANT;
            case "cosine" -> Kind.COSINE;
            default -> throw new ReelException("--lr-schedule '" + s + "' is not known; allowed: constant, cosine");
        };
    }
}
