package dev.reel.train.trainer;

import dev.reel.core.Backend;
import dev.reel.core.Backend.Unary;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.models.wan.WanTransformer3DModel;

/**
 * The flow-matching objective of Wan and FastVideo: {@code x_t = (1 − σ)·x0 + σ·ε}, the model predicts the
 * velocity {@code ε − x0} at timestep {@code 1000·σ}, and the loss is the mean squared error, in fp32.
 */
public final class FlowMatching {
    /** The scheduler's number of training timesteps: timestep = σ · this. */
    public static final float NUM_TRAIN_TIMESTEPS = 1000f;

    private FlowMatching() {}

    /** One batch: clean latents {@code [B, C, T, H, W]}, their noise, one σ per element, text states {@code [B, L, D]}. */
    public record Batch(Tensor x0, Tensor noise, float[] sigmas, Tensor encoderHiddenStates) {}

    /**
     * The loss of {@code model} on {@code batch}, a one-element fp32 tensor.
     *
     * @param blocks how each transformer block runs (recorded, or checkpointed)
     */
    public static Tensor loss(WanTransformer3DModel model, Batch batch, WanTransformer3DModel.BlockRunner blocks) {
        Backend b = batch.x0().backend();
        int n = batch.sigmas().length;
        Tensor x0 = b.cast(batch.x0(), DType.F32), noise = b.cast(batch.noise(), DType.F32);
        Tensor sigma = b.fromFloats(batch.sigmas(), DType.F32, n, 1, 1, 1, 1);
        Tensor xt = b.add(b.mul(b.addScalar(b.unary(Unary.NEG, sigma), 1f), x0), b.mul(sigma, noise));
        float[] timesteps = new float[n];
        for (int i = 0; i < n; i++) timesteps[i] = batch.sigmas()[i] * NUM_TRAIN_TIMESTEPS;
        Tensor pred = model.forward(xt, timesteps, batch.encoderHiddenStates(), blocks);
        Tensor diff = b.sub(b.cast(pred, DType.F32), b.sub(noise, x0));
        Tensor sq = b.unary(Unary.SQUARE, diff).reshape(-1);
        return b.mean(sq, 0, true);
    }
}
