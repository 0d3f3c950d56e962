package dev.reel.pipeline.parallel;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.dist.Communicator;
import dev.reel.core.dist.RankContext;
import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.pipeline.CancellationToken;
import dev.reel.pipeline.GenerationCancelledException;

/**
 * How {@link dev.reel.pipeline.stages.Denoising} gets one step's guided prediction and agrees to stop, for one rank
 * of a {@link dev.reel.core.dist.ParallelPlan}:
 * <ul>
 *   <li>CFG parallel (two CFG ranks): rank 0 of the CFG group predicts for the prompt, rank 1 for the negative
 *       prompt, and one all-gather of the two predictions lets both combine them; every rank then steps the
 *       scheduler on the same values, so all ranks keep identical latents without further exchange.</li>
 *   <li>Sequence parallel: each forward splits the tokens over the rank's SP group (see
 *       {@link WanTransformer3DModel#forward(Tensor, float[], Tensor, Communicator)}).</li>
 * </ul>
 * Cancellation is agreed over the whole group (one one-element all-reduce per step), so all ranks stop at the same
 * step boundary instead of some waiting in a collective for ranks that left.
 */
public final class DenoisingPlan {
    private final RankContext rank;

    private DenoisingPlan(RankContext rank) { this.rank = rank; }

    /** One device, no communication. */
    public static DenoisingPlan single() { return new DenoisingPlan(null); }

    /** The plan of one rank. */
    public static DenoisingPlan of(RankContext rank) {
        return rank == null || !rank.plan().isParallel() ? single() : new DenoisingPlan(rank);
    }

    /** Whether this rank shares its work with others (then no step cache applies). */
    public boolean parallel() { return rank != null; }

    /**
     * The velocity for this step in fp32: with guidance ({@code uncond} given) {@code uncond + g·(cond − uncond)},
     * else the conditional prediction.
     */
    public Tensor predict(WanTransformer3DModel transformer, Tensor latents, float[] t, Tensor cond, Tensor uncond, float g) {
        return predict(transformer, latents, t, cond, uncond, null, g);
    }

    /** As {@link #predict(WanTransformer3DModel, Tensor, float[], Tensor, Tensor, float)}, with the image encoder's states (image-to-video; null for none). */
    public Tensor predict(WanTransformer3DModel transformer, Tensor latents, float[] t, Tensor cond, Tensor uncond, Tensor image, float g) {
        Communicator sp = rank == null || rank.plan().sp() == 1 ? null : rank.sp();
        if (uncond == null) return transformer.forward(latents, t, cond, image, sp).to(DType.F32);
        if (rank != null && rank.plan().cfg() == 2) {
            Tensor mine = transformer.forward(latents, t, rank.cfg().rank() == 0 ? cond : uncond, image, sp).to(DType.F32);
            Tensor both = rank.cfg().allGather(mine, 0);                        // [2, C, T', h, w]: cond, uncond
            return guide(both.narrow(0, 0, 1), both.narrow(0, 1, 1), g);
        }
        Tensor c = transformer.forward(latents, t, cond, image, sp).to(DType.F32);
        Tensor u = transformer.forward(latents, t, uncond, image, sp).to(DType.F32);
        return guide(c, u, g);
    }

    /** Classifier-free guidance: {@code uncond + g·(cond − uncond)}. */
    static Tensor guide(Tensor cond, Tensor uncond, float g) {
        return uncond.add(cond.sub(uncond).mul(g));
    }

    /** Throws {@link GenerationCancelledException} on every rank once any rank's token is cancelled. */
    public void throwIfCancelled(CancellationToken token, int completedSteps, int totalSteps) {
        if (rank == null) {
            token.throwIfCancelled(completedSteps, totalSteps);
            return;
        }
        float votes;
        try (Scope s = Scope.open()) {
            Tensor vote = Backends.of(rank.device()).fromFloats(new float[] {token.isCancelled() ? 1f : 0f}, DType.F32, 1);
            votes = rank.world().allReduceSum(vote).item();
        }
        if (votes > 0) throw new GenerationCancelledException(completedSteps, totalSteps);
    }
}
