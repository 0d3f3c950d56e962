package dev.reel.pipeline.cache;

import dev.reel.core.Tensor;
import dev.reel.models.nn.DitHooks;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Runs one generation's transformer passes through a {@link CacheStrategy}: hands the model the hooks that
 * consult it, owns the buffers it keeps, and counts what ran and what was reused. Denoising opens one per
 * generation and closes it (freeing every buffer) when the loop ends.
 */
public final class CacheManager implements AutoCloseable {
    private final String policy;
    private final CacheStrategy strategy;
    private final CacheBuffers buffers = new CacheBuffers();
    private int passesRun, passesSkipped, attentionComputed, attentionReused;

    /**
     * @param policy   the policy's text, for {@link #stats()}
     * @param strategy this generation's strategy
     */
    public CacheManager(String policy, CacheStrategy strategy) {
        this.policy = policy;
        this.strategy = strategy;
    }

    /**
     * One transformer pass.
     *
     * @param latents the input latents (fp32)
     * @param model   runs the transformer with the given hooks; returns the prediction as fp32
     * @return the prediction, computed or reused
     */
    public Tensor pass(Pass pass, Tensor latents, Function<DitHooks, Tensor> model) {
        boolean[] blocksRan = {false};
        DitHooks hooks = new DitHooks() {
            @Override public Tensor blocks(Tensor x, Tensor temb, Tensor timestepProj, UnaryOperator<Tensor> stack) {
                return strategy.blocks(pass, x, temb, timestepProj, in -> {
                    blocksRan[0] = true;
                    return stack.apply(in);
                }, buffers);
            }

            @Override public Tensor attention(int block, AttentionKind kind, Supplier<Tensor> attention) {
                boolean[] computed = {false};
                Tensor out = strategy.attention(pass, block, kind, () -> {
                    computed[0] = true;
                    return attention.get();
                }, buffers);
                if (computed[0]) attentionComputed++; else attentionReused++;
                return out;
            }
        };
        Tensor out = strategy.forward(pass, latents, () -> model.apply(hooks), buffers);
        if (blocksRan[0]) passesRun++; else passesSkipped++;
        return out;
    }

    /** What ran and what was reused so far. */
    public CacheStats stats() { return new CacheStats(policy, passesRun, passesSkipped, attentionComputed, attentionReused); }

    /** Bytes the strategy keeps now. */
    public long bufferBytes() { return buffers.bytes(); }

    /** Frees every buffer. */
    @Override public void close() { buffers.close(); }
}
