package dev.reel.pipeline;

import dev.reel.pipeline.cache.CacheStats;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What {@link VideoGenerator#generate} returns.
 *
 * @param frames  the decoded video, {@code [T, H, W, 3]} in [0, 1]
 * @param output  the written file or folder, or null when the request asked for none
 * @param seed    the seed of the initial noise (the request's, or the one picked for it)
 * @param timings wall time of each stage, in pipeline order
 * @param cache   transformer passes run and skipped by the request's step cache
 */
public record GenerationResult(Frames frames, Path output, long seed, List<StageTiming> timings, CacheStats cache) {
    public GenerationResult {
        timings = List.copyOf(timings);
    }

    /** Seconds the stage named {@code stage} (e.g. {@code "Denoising"}) took; refused when it did not run. */
    public double stageSeconds(String stage) {
        for (StageTiming t : timings) if (t.stage().equals(stage)) return t.millis() / 1000;
        throw new IllegalArgumentException("no stage " + stage + " was timed (stages: " + timings.stream().map(StageTiming::stage).toList() + ")");
    }

    /** Sum of the stage times. */
    public Duration total() {
        Duration d = Duration.ZERO;
        for (StageTiming t : timings) d = d.plus(t.duration());
        return d;
    }
}
