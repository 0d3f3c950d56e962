package dev.reel.pipeline.cache;

import dev.reel.core.Tensor;
import dev.reel.models.nn.DitHooks.AttentionKind;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A training-free step cache: at each transformer pass it decides, from what it measured on earlier passes,
 * whether to compute or to reuse. It acts at one or more of three levels, each defaulting to "compute": the whole
 * pass (EasyCache), the block stack (TeaCache, MagCache), one attention call (Pyramid Attention Broadcast). A
 * strategy instance serves one generation; it keeps its scalars itself and its tensors in the
 * {@link CacheBuffers} the {@link CacheManager} hands it. Reusing means returning without calling the supplied
 * computation; the manager counts that.
 */
public interface CacheStrategy {
    /**
     * The whole pass.
     *
     * @param latents the pass's input latents {@code [1, C, T, h, w]} fp32
     * @param compute runs the transformer; returns its prediction, fp32, same shape
     */
    default Tensor forward(Pass pass, Tensor latents, Supplier<Tensor> compute, CacheBuffers buffers) {
        return compute.get();
    }

    /**
     * The block stack ({@link dev.reel.models.nn.DitHooks#blocks}).
     *
     * @param x            tokens entering the first block
     * @param temb         the timestep embedding
     * @param timestepProj its per-block projection
     * @param stack        runs the blocks
     */
    default Tensor blocks(Pass pass, Tensor x, Tensor temb, Tensor timestepProj, UnaryOperator<Tensor> stack, CacheBuffers buffers) {
        return stack.apply(x);
    }

    /** One attention call ({@link dev.reel.models.nn.DitHooks#attention}). */
    default Tensor attention(Pass pass, int block, AttentionKind kind, Supplier<Tensor> compute, CacheBuffers buffers) {
        return compute.get();
    }

    /** No cache: every default. */
    CacheStrategy NONE = new CacheStrategy() {};
}
