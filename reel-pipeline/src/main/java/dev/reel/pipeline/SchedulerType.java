package dev.reel.pipeline;

import java.util.Locale;

/** The sampler that drives denoising; a request may override the one in the model's {@code scheduler/} folder. */
public enum SchedulerType {
    /** Diffusers' {@code UniPCMultistepScheduler} (Wan2.1's default). */
    UNIPC,
    /** Diffusers' {@code FlowMatchEulerDiscreteScheduler}. */
    EULER;

    /** Parses "unipc" or "euler" (case-insensitive). */
    public static SchedulerType parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "unipc", "unipcmultistepscheduler" -> UNIPC;
            case "euler", "flowmatcheuler", "flowmatcheulerdiscretescheduler" -> EULER;
            default -> throw new InvalidRequestException("scheduler", s, "must be one of unipc, euler");
        };
    }
}
