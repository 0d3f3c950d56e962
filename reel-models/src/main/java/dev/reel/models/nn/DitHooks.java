package dev.reel.models.nn;

import dev.reel.core.Tensor;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Points inside one diffusion-transformer forward pass where a caller may reuse earlier work instead of
 * computing (step caches such as TeaCache, MagCache and Pyramid Attention Broadcast). The model calls them in
 * order; the defaults compute, so {@link #NONE} leaves the forward pass exactly as it is without hooks.
 *
 * <p>Tensors a hook returns from its own buffers are read, never freed, by the model. A hook that keeps a
 * tensor the model computed takes it out of the model's memory scopes ({@code Scope.detach}) and frees it
 * itself.
 */
public interface DitHooks {
    /** Hooks that change nothing. */
    DitHooks NONE = new DitHooks() {};

    /** Which attention of a block a call is. */
    enum AttentionKind {
        /** Attention among the video tokens ({@code attn1}). */
        SELF,
        /** Attention from the video tokens to the text ({@code attn2}). */
        CROSS
    }

    /**
     * Runs the stack of transformer blocks.
     *
     * @param x            {@code [B, L, dim]} tokens entering the first block; not freed by {@code stack}
     * @param temb         {@code [B, dim]} the timestep embedding (TeaCache's {@code e})
     * @param timestepProj {@code [B, 6, dim]} its per-block projection (TeaCache's {@code e0})
     * @param stack        runs every block on its argument and returns the last block's output
     * @return the tokens leaving the last block, {@code [B, L, dim]}
     */
    default Tensor blocks(Tensor x, Tensor temb, Tensor timestepProj, UnaryOperator<Tensor> stack) {
        return stack.apply(x);
    }

    /**
     * Runs one attention of block {@code block}, output projection included.
     *
     * @param attention computes it
     * @return {@code [B, L, dim]}
     */
    default Tensor attention(int block, AttentionKind kind, Supplier<Tensor> attention) {
        return attention.get();
    }
}
