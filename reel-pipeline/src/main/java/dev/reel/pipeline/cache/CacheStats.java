package dev.reel.pipeline.cache;

/**
 * What a step cache did in one generation.
 *
 * @param cache              the policy, as {@link CacheSpec#toString()}
 * @param passesRun          transformer passes whose blocks ran
 * @param passesSkipped      passes answered from the cache without running the blocks
 * @param attentionComputed  attention calls computed (inside the passes that ran)
 * @param attentionReused    attention calls answered from the cache (Pyramid Attention Broadcast)
 */
public record CacheStats(String cache, int passesRun, int passesSkipped, int attentionComputed, int attentionReused) {
    /** Passes run plus skipped. */
    public int passes() { return passesRun + passesSkipped; }
}
