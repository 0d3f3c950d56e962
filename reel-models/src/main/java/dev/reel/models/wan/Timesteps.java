package dev.reel.models.wan;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Tensor;

/**
 * Sinusoidal timestep embedding, Diffusers' {@code Timesteps(dim, flip_sin_to_cos=True, downscale_freq_shift=0)}:
 * for {@code half = dim/2} frequencies {@code f_i = exp(−ln(10000)·i/half)} a timestep t becomes
 * {@code [cos(t·f_0..), sin(t·f_0..)]} (zero-padded by one when dim is odd). Computed on the host with the
 * reference's float32 rounding at each step, so values agree with PyTorch to about an ulp.
 */
public final class Timesteps {
    private static final float LOG_MAX_PERIOD = (float) Math.log(10000.0);

    private final int dim;

    /** @param dim width of the embedding ({@code freq_dim}) */
    public Timesteps(int dim) { this.dim = dim; }

    /** The embedding values, row-major {@code [timesteps.length, dim]}. */
    public float[] embed(float[] timesteps) {
        int half = dim / 2;
        float[] freqs = new float[half];
        for (int i = 0; i < half; i++) freqs[i] = (float) Math.exp(-LOG_MAX_PERIOD * i / half);
        float[] out = new float[timesteps.length * dim];
        for (int b = 0; b < timesteps.length; b++) {
            int row = b * dim;
            for (int i = 0; i < half; i++) {
                float arg = timesteps[b] * freqs[i];
                out[row + i] = (float) Math.cos(arg);        // flip_sin_to_cos: cosines first
                out[row + half + i] = (float) Math.sin(arg);
            }
        }
        return out;
    }

    /** {@code [N] → [N, dim]} as an fp32 tensor on {@code backend}. */
    public Tensor forward(float[] timesteps, Backend backend) {
        return backend.fromFloats(embed(timesteps), DType.F32, timesteps.length, dim);
    }
}
