package dev.reel.pipeline.cache;

/**
 * One transformer pass of the denoising loop, as a cache sees it.
 *
 * @param step     0-based denoising step
 * @param steps    steps in the loop
 * @param timestep the step's timestep (0…1000 scale)
 * @param branch   which pass of the step
 */
public record Pass(int step, int steps, double timestep, Branch branch) {
    /**
     * The pass's position in the interleaved order the references count in ({@code cnt}: cond and uncond of step 0,
     * then of step 1, …).
     */
    public int interleavedIndex() { return 2 * step + branch.ordinal(); }
}
