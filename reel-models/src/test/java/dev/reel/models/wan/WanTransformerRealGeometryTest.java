package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Wan DiT at the published head size, which the tiny fixture (head_dim 12, every RoPE part 4 wide) cannot
 * check: two heads of 128 channels (RoPE split 44/42/42 over frames, height, width), 512 text tokens of which
 * all but the prompt's are zero (as the pipeline pads them), a latent grid of 5×3×7 patches (odd and different
 * on every axis, so no two axes can be confused). Reel's fp32 CPU output is compared with a float64 reference
 * written below from Diffusers' {@code transformer_wan.py} in plain loops, sharing nothing with Reel's ops.
 */
class WanTransformerRealGeometryTest {
    private static final int HEADS = 2, HEAD_DIM = 128, DIM = HEADS * HEAD_DIM, FFN = 384, LAYERS = 2;
    private static final int C_IN = 16, C_OUT = 16, TEXT_DIM = 64, FREQ_DIM = 256, TEXT_LEN = 512;
    private static final int[] PATCH = {1, 2, 2};
    private static final int FRAMES = 5, HEIGHT = 6, WIDTH = 14;       // grid 5 × 3 × 7 after patching
    private static final int PF = FRAMES / PATCH[0], PH = HEIGHT / PATCH[1], PW = WIDTH / PATCH[2], TOKENS = PF * PH * PW;
    private static final double EPS = 1e-6, THETA = 10000.0;
    private static final float[] TIMESTEPS = {999f, 421.5f};
    private static final int[] PROMPT_TOKENS = {7, 12};                   // real tokens per batch element; the rest are zero
    private static final double RTOL = 1e-4;

    private static final Map<String, double[]> W = new HashMap<>();
    private static double[] latents, text;
    private static float[] out;

    @BeforeAll
    static void runReel() {
        Backend cpu = Backends.cpu();
        var config = new WanTransformerConfig(PATCH, HEADS, HEAD_DIM, C_IN, C_OUT, TEXT_DIM, FREQ_DIM, FFN, LAYERS, true, EPS, 1024);
        var model = new WanTransformer3DModel(config);
        model.visitParameters((key, p) -> {
            float[] v = seeded(key, p.shape());
            p.set(cpu.fromFloats(v, DType.F32, p.shape()));
            W.put(key, toDouble(v));
        });

        SplittableRandom r = new SplittableRandom(7);
        float[] lat = new float[2 * C_IN * FRAMES * HEIGHT * WIDTH];
        for (int i = 0; i < lat.length; i++) lat[i] = (float) r.nextGaussian();
        float[] txt = new float[2 * TEXT_LEN * TEXT_DIM];
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < PROMPT_TOKENS[b] * TEXT_DIM; i++) txt[b * TEXT_LEN * TEXT_DIM + i] = (float) (0.3 * r.nextGaussian());
        }
        latents = toDouble(lat);
        text = toDouble(txt);

        Tensor o = model.forward(cpu.fromFloats(lat, DType.F32, 2, C_IN, FRAMES, HEIGHT, WIDTH), TIMESTEPS,
                cpu.fromFloats(txt, DType.F32, 2, TEXT_LEN, TEXT_DIM));
        assertArrayEquals(new int[] {2, C_OUT, FRAMES, HEIGHT, WIDTH}, o.shape());
        out = o.toFloatArray();
    }

    @Test
    void matchesAFloat64ReferenceAtHeadDim128() {
        int per = C_OUT * FRAMES * HEIGHT * WIDTH;
        for (int b = 0; b < 2; b++) {
            double[] ref = reference(b, new int[] {44, 42, 42}, new int[] {0, 1, 2});
            double err = relErr(out, b * per, ref);
            System.out.printf("real-geometry DiT (head_dim 128, 512 text tokens, grid %d×%d×%d), batch %d: rel. error %.2e%n", PF, PH, PW, b, err);
            assertTrue(err <= RTOL, "batch " + b + ": relative error " + err + " > " + RTOL);
        }
    }

    /**
     * The comparison sees the rotary layout: the same reference with height and width positions exchanged, or
     * with the channel split 42/42/44 instead of 44/42/42, lies more than 10× the tolerance away (about 1e-2,
     * where Reel's own error is about 4e-7).
     */
    @Test
    void wouldCatchARotaryAxisBug() {
        double swapped = relErr(out, 0, reference(0, new int[] {44, 42, 42}, new int[] {0, 2, 1}));
        double wrongSplit = relErr(out, 0, reference(0, new int[] {42, 42, 44}, new int[] {0, 1, 2}));
        System.out.printf("against a reference with h/w swapped: %.2e; with the split 42/42/44: %.2e%n", swapped, wrongSplit);
        assertTrue(swapped > 10 * RTOL, "h/w swap not seen: " + swapped);
        assertTrue(wrongSplit > 10 * RTOL, "wrong split not seen: " + wrongSplit);
    }

    // ------------------------------------------------------------------ the reference, batch element b

    /**
     * Diffusers' forward for one batch element.
     *
     * @param split    channels of each head given to the (frame, height, width) rotary parts
     * @param position which grid coordinate (0 frame, 1 height, 2 width) turns each part
     */
    private static double[] reference(int b, int[] split, int[] position) {
        // patch embedding: Conv3d with kernel = stride = patch → tokens in (f, h, w) order
        double[] x = new double[TOKENS * DIM];
        double[] pw = W.get("patch_embedding.weight"), pb = W.get("patch_embedding.bias");
        int kVol = PATCH[0] * PATCH[1] * PATCH[2];
        for (int f = 0; f < PF; f++) for (int h = 0; h < PH; h++) for (int w = 0; w < PW; w++) {
            int l = (f * PH + h) * PW + w;
            for (int d = 0; d < DIM; d++) {
                double s = pb[d];
                for (int c = 0; c < C_IN; c++) for (int i = 0; i < PATCH[0]; i++) for (int j = 0; j < PATCH[1]; j++) for (int k = 0; k < PATCH[2]; k++) {
                    double wv = pw[((d * C_IN + c) * kVol) + (i * PATCH[1] + j) * PATCH[2] + k];
                    s += wv * latents[latentIndex(b, c, f * PATCH[0] + i, h * PATCH[1] + j, w * PATCH[2] + k)];
                }
                x[l * DIM + d] = s;
            }
        }

        // timestep: Timesteps(256, flip_sin_to_cos=True, downscale_freq_shift=0), whose frequencies and arguments
        // the reference rounds to float32 (at t = 999 that rounding alone moves sin/cos by up to ~6e-5)
        int half = FREQ_DIM / 2;
        double[] sinusoid = new double[FREQ_DIM];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (-(float) Math.log(10000.0) * i) / half;
            float arg = TIMESTEPS[b] * (float) Math.exp(exponent);
            sinusoid[i] = Math.cos(arg);
            sinusoid[half + i] = Math.sin(arg);
        }
        double[] temb = linear(silu(linear(sinusoid, 1, "condition_embedder.time_embedder.linear_1")), 1, "condition_embedder.time_embedder.linear_2");
        double[] timestepProj = linear(silu(temb), 1, "condition_embedder.time_proj");   // [6 · dim]

        // text: PixArtAlphaTextProjection with tanh-GELU, over all 512 rows (zero rows included, no mask)
        double[] ctx = new double[TEXT_LEN * TEXT_DIM];
        System.arraycopy(text, b * TEXT_LEN * TEXT_DIM, ctx, 0, ctx.length);
        ctx = linear(geluTanh(linear(ctx, TEXT_LEN, "condition_embedder.text_embedder.linear_1")), TEXT_LEN, "condition_embedder.text_embedder.linear_2");

        double[][] rope = ropeTables(split, position);
        for (int layer = 0; layer < LAYERS; layer++) {
            String p = "blocks." + layer + ".";
            double[] table = W.get(p + "scale_shift_table");
            double[][] mod = new double[6][DIM];     // shift, scale, gate (attention), shift, scale, gate (FFN)
            for (int m = 0; m < 6; m++) for (int d = 0; d < DIM; d++) mod[m][d] = table[m * DIM + d] + timestepProj[m * DIM + d];

            double[] n1 = modulate(layerNorm(x, TOKENS, null, null), mod[1], mod[0]);
            double[] a1 = attention(n1, TOKENS, n1, TOKENS, p + "attn1.", rope);
            for (int i = 0; i < x.length; i++) x[i] += a1[i] * mod[2][i % DIM];

            double[] n2 = layerNorm(x, TOKENS, W.get(p + "norm2.weight"), W.get(p + "norm2.bias"));
            double[] a2 = attention(n2, TOKENS, ctx, TEXT_LEN, p + "attn2.", null);
            for (int i = 0; i < x.length; i++) x[i] += a2[i];

            double[] n3 = modulate(layerNorm(x, TOKENS, null, null), mod[4], mod[3]);
            double[] ff = linear(geluTanh(linear(n3, TOKENS, p + "ffn.net.0.proj")), TOKENS, p + "ffn.net.2");
            for (int i = 0; i < x.length; i++) x[i] += ff[i] * mod[5][i % DIM];
        }

        // output: shift, scale = scale_shift_table + temb; norm, modulate, project, unpatchify
        double[] table = W.get("scale_shift_table");
        double[] shift = new double[DIM], scale = new double[DIM];
        for (int d = 0; d < DIM; d++) { shift[d] = table[d] + temb[d]; scale[d] = table[DIM + d] + temb[d]; }
        double[] y = linear(modulate(layerNorm(x, TOKENS, null, null), scale, shift), TOKENS, "proj_out");
        double[] video = new double[C_OUT * FRAMES * HEIGHT * WIDTH];
        int row = PATCH[0] * PATCH[1] * PATCH[2] * C_OUT;
        for (int f = 0; f < PF; f++) for (int h = 0; h < PH; h++) for (int w = 0; w < PW; w++) {
            int l = (f * PH + h) * PW + w;
            for (int i = 0; i < PATCH[0]; i++) for (int j = 0; j < PATCH[1]; j++) for (int k = 0; k < PATCH[2]; k++) for (int c = 0; c < C_OUT; c++) {
                int t = f * PATCH[0] + i, yy = h * PATCH[1] + j, xx = w * PATCH[2] + k;
                video[((c * FRAMES + t) * HEIGHT + yy) * WIDTH + xx] = y[l * row + ((i * PATCH[1] + j) * PATCH[2] + k) * C_OUT + c];
            }
        }
        return video;
    }

    /**
     * cos and sin {@code [TOKENS][HEAD_DIM/2]} per rotation pair: pair {@code i} of a head lies in the part
     * {@code a} that holds channels {@code 2i, 2i+1}; with {@code j} its index inside the part of width
     * {@code d_a}, the angle is {@code pos_a · θ^(−2j/d_a)}.
     */
    private static double[][] ropeTables(int[] split, int[] position) {
        double[][] t = new double[2][TOKENS * HEAD_DIM / 2];
        for (int f = 0; f < PF; f++) for (int h = 0; h < PH; h++) for (int w = 0; w < PW; w++) {
            int l = (f * PH + h) * PW + w;
            int[] grid = {f, h, w};
            int pair = 0;
            for (int a = 0; a < 3; a++) {
                for (int j = 0; j < split[a] / 2; j++, pair++) {
                    double angle = grid[position[a]] * Math.pow(THETA, -2.0 * j / split[a]);
                    t[0][l * HEAD_DIM / 2 + pair] = Math.cos(angle);
                    t[1][l * HEAD_DIM / 2 + pair] = Math.sin(angle);
                }
            }
        }
        return t;
    }

    /**
     * WanAttention: q/k/v projections, RMS norm of q and k over all heads, RoPE on adjacent channel pairs
     * (self-attention), softmax(q·kᵀ/√128)·v per head, output projection.
     */
    private static double[] attention(double[] x, int lq, double[] kv, int lk, String p, double[][] rope) {
        double[] q = rmsNorm(linear(x, lq, p + "to_q"), lq, W.get(p + "norm_q.weight"));
        double[] k = rmsNorm(linear(kv, lk, p + "to_k"), lk, W.get(p + "norm_k.weight"));
        double[] v = linear(kv, lk, p + "to_v");
        if (rope != null) { rotate(q, lq, rope); rotate(k, lk, rope); }
        double[] o = new double[lq * DIM];
        double[] scores = new double[lk];
        double scale = 1 / Math.sqrt(HEAD_DIM);
        for (int h = 0; h < HEADS; h++) {
            int off = h * HEAD_DIM;
            for (int i = 0; i < lq; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < lk; j++) {
                    double s = 0;
                    for (int d = 0; d < HEAD_DIM; d++) s += q[i * DIM + off + d] * k[j * DIM + off + d];
                    scores[j] = s * scale;
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < lk; j++) { scores[j] = Math.exp(scores[j] - max); sum += scores[j]; }
                for (int j = 0; j < lk; j++) {
                    double pj = scores[j] / sum;
                    for (int d = 0; d < HEAD_DIM; d++) o[i * DIM + off + d] += pj * v[j * DIM + off + d];
                }
            }
        }
        return linear(o, lq, p + "to_out.0");
    }

    /** {@code out[2i] = x[2i]·cos − x[2i+1]·sin}, {@code out[2i+1] = x[2i]·sin + x[2i+1]·cos} in every head. */
    private static void rotate(double[] x, int rows, double[][] rope) {
        for (int l = 0; l < rows; l++) for (int h = 0; h < HEADS; h++) for (int i = 0; i < HEAD_DIM / 2; i++) {
            int c = l * DIM + h * HEAD_DIM + 2 * i;
            double cos = rope[0][l * HEAD_DIM / 2 + i], sin = rope[1][l * HEAD_DIM / 2 + i];
            double x1 = x[c], x2 = x[c + 1];
            x[c] = x1 * cos - x2 * sin;
            x[c + 1] = x1 * sin + x2 * cos;
        }
    }

    /** {@code x·Wᵀ + b} with {@code p.weight} {@code [out, in]} and {@code p.bias}. */
    private static double[] linear(double[] x, int rows, String p) {
        double[] w = W.get(p + ".weight"), bias = W.get(p + ".bias");
        int outF = bias.length, in = w.length / outF;
        double[] y = new double[rows * outF];
        for (int r = 0; r < rows; r++) for (int o = 0; o < outF; o++) {
            double s = bias[o];
            for (int i = 0; i < in; i++) s += x[r * in + i] * w[o * in + i];
            y[r * outF + o] = s;
        }
        return y;
    }

    /** Layer norm over DIM (biased variance, eps 1e-6), optionally affine. */
    private static double[] layerNorm(double[] x, int rows, double[] weight, double[] bias) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double mean = 0, var = 0;
            for (int d = 0; d < DIM; d++) mean += x[r * DIM + d];
            mean /= DIM;
            for (int d = 0; d < DIM; d++) var += (x[r * DIM + d] - mean) * (x[r * DIM + d] - mean);
            double inv = 1 / Math.sqrt(var / DIM + EPS);
            for (int d = 0; d < DIM; d++) {
                double n = (x[r * DIM + d] - mean) * inv;
                y[r * DIM + d] = weight == null ? n : n * weight[d] + bias[d];
            }
        }
        return y;
    }

    /** torch.nn.RMSNorm over DIM: {@code x / √(mean(x²) + eps) · weight}. */
    private static double[] rmsNorm(double[] x, int rows, double[] weight) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double ms = 0;
            for (int d = 0; d < DIM; d++) ms += x[r * DIM + d] * x[r * DIM + d];
            double inv = 1 / Math.sqrt(ms / DIM + EPS);
            for (int d = 0; d < DIM; d++) y[r * DIM + d] = x[r * DIM + d] * inv * weight[d];
        }
        return y;
    }

    /** {@code x·(1 + scale) + shift}, per channel. */
    private static double[] modulate(double[] x, double[] scale, double[] shift) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * (1 + scale[i % DIM]) + shift[i % DIM];
        return y;
    }

    private static double[] silu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] / (1 + Math.exp(-x[i]));
        return y;
    }

    /** PyTorch's gelu(approximate="tanh"). */
    private static double[] geluTanh(double[] x) {
        double[] y = new double[x.length];
        double c = Math.sqrt(2 / Math.PI);
        for (int i = 0; i < x.length; i++) y[i] = 0.5 * x[i] * (1 + Math.tanh(c * (x[i] + 0.044715 * x[i] * x[i] * x[i])));
        return y;
    }

    // ------------------------------------------------------------------ data

    private static int latentIndex(int b, int c, int t, int h, int w) {
        return (((b * C_IN + c) * FRAMES + t) * HEIGHT + h) * WIDTH + w;
    }

    /**
     * Seeded weights that make every branch count: matrices ±1/√fan_in, biases ±0.1, norm scales 1 ± 0.2, and
     * modulation tables ±0.5 so the gates are far from zero.
     */
    private static float[] seeded(String key, int[] shape) {
        int n = Math.toIntExact(Tensor.numel(shape));
        SplittableRandom r = new SplittableRandom(key.hashCode() * 0x9E3779B97F4A7C15L + 1);
        float[] v = new float[n];
        double bound;
        double center = 0;
        if (key.endsWith("scale_shift_table")) bound = 0.5;
        else if (key.endsWith("bias")) bound = 0.1;
        else if (shape.length == 1) { center = 1; bound = 0.2; }
        else bound = 1 / Math.sqrt((double) n / shape[0]);
        for (int i = 0; i < n; i++) v[i] = (float) (center + r.nextDouble(-bound, bound));
        return v;
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    private static double relErr(float[] got, int offset, double[] ref) {
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = got[offset + i] - ref[i];
            num += d * d;
            den += ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }
}
