package dev.reel.core;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Every op the models need, for one device. Model code calls these (directly or through {@link Tensor}) and
 * never names a device library. Inputs may be any strided view; outputs are new contiguous tensors of the
 * inputs' dtype unless stated. Binary ops broadcast as NumPy/PyTorch do. Shape errors throw
 * {@link ShapeException} naming the op, the shapes and the rule.
 *
 * <p>Layout conventions (as in PyTorch): linear weights are {@code [out, in]}; conv inputs are
 * {@code [B, C, (T,) H, W]} with weights {@code [Cout, Cin, (kt,) kh, kw]}; attention takes
 * {@code [B, H, L, D]}.
 */
public interface Backend {

    /** The device this backend computes on. */
    Device device();

    /** The device's name for reports: the GPU's product name, or {@code "cpu"}. */
    default String deviceName() { return device().toString(); }

    // ---------------------------------------------------------------- statistics and timing

    /** Memory held by this device's tensors now, the peak since {@link #resetPeakMemory()}, and what is reserved. */
    MemoryStats memoryStats();

    /** Restarts peak tracking of {@link #memoryStats()} from the bytes in use now. */
    void resetPeakMemory();

    /**
     * A timer of the work queued on this backend: device events on a GPU, the wall clock after a
     * {@link #synchronize()} on the CPU. Close it when done.
     */
    default DeviceTimer timer() { return DeviceTimer.wallClock(this); }

    // ---------------------------------------------------------------- weight residency

    /**
     * Takes charge of {@code groups} of this device's weight tensors, used one group at a time in order (a
     * transformer's blocks), so they need not all be resident ({@link MemoryLevel#DIT_STREAMING}). The CPU keeps
     * them as they are ({@link WeightStreamer#resident}); a GPU may move them to pinned host memory and stream
     * them back group by group. The given tensors must not be used afterwards: use the streamer's.
     */
    default WeightStreamer streamWeights(List<List<Tensor>> groups) { return WeightStreamer.resident(groups); }

    // ---------------------------------------------------------------- memory

    /** Uninitialised tensor (contents unspecified). */
    Tensor empty(DType dtype, int... shape);

    /** Zero-filled tensor. */
    Tensor zeros(DType dtype, int... shape);

    /** Tensor filled with {@code value}. */
    Tensor full(float value, DType dtype, int... shape);

    /** Copies host floats (row-major) into a new tensor of {@code dtype} (rounding to nearest-even). */
    Tensor fromFloats(float[] data, DType dtype, int... shape);

    /**
     * Seeded uniform values in {@code offset + [lo, hi)}, rounded to float and then to {@code dtype}: element {@code i}
     * is {@link SeededUniform#value}, the same on every backend. A GPU draws them in place (no host values, no upload).
     */
    default Tensor uniform(long seed, double lo, double hi, double offset, DType dtype, int... shape) {
        return fromFloats(SeededUniform.values(seed, Math.toIntExact(Tensor.numel(shape)), lo, hi, offset), dtype, shape);
    }

    /**
     * Copies raw little-endian elements of type {@code srcType} from host memory (e.g. an mmapped safetensors
     * file) into a new tensor of {@code dtype}, converting as needed.
     */
    Tensor fromSegment(MemorySegment src, DType srcType, DType dtype, int... shape);

    /** All values of any tensor of this device, as host floats in row-major order. */
    float[] toFloatArray(Tensor t);

    /** Copies a tensor from another device (or this one) onto this device, keeping dtype. */
    Tensor copyFrom(Tensor t);

    /** Dense row-major copy of a view. */
    Tensor contiguous(Tensor t);

    /** Converts elements to {@code dtype} (float→16-bit rounds to nearest-even). */
    Tensor cast(Tensor t, DType dtype);

    /** Writes {@code src} (broadcast to {@code dst}'s shape) into the view {@code dst}, in place. */
    void copyInto(Tensor dst, Tensor src);

    // ---------------------------------------------------------------- elementwise

    Tensor add(Tensor a, Tensor b);
    Tensor sub(Tensor a, Tensor b);
    Tensor mul(Tensor a, Tensor b);
    Tensor div(Tensor a, Tensor b);

    /** {@code a * s}. */
    Tensor scale(Tensor a, float s);

    /** {@code a + s}. */
    Tensor addScalar(Tensor a, float s);

    /** Applies a pointwise function. */
    Tensor unary(Unary op, Tensor a);

    /** Pointwise functions. GELU_TANH is PyTorch's {@code gelu(approximate="tanh")} / HF's gelu_new. */
    enum Unary { SILU, GELU_TANH, GELU_ERF, RELU, EXP, NEG, SQRT, RSQRT, TANH, SIGMOID, ABS, SIN, COS, SQUARE }

    /**
     * The gradient of {@code gelu_tanh(x)}'s input, {@code g · gelu_tanh'(x)} with g of x's shape, in x's dtype (fp32
     * math, rounded once). Null (the default) when this backend has no fused kernel for it; autograd then composes it
     * from pointwise ops (about 18 passes over x).
     */
    default Tensor geluTanhBackward(Tensor x, Tensor g) { return null; }

    default Tensor silu(Tensor a) { return unary(Unary.SILU, a); }
    default Tensor geluTanh(Tensor a) { return unary(Unary.GELU_TANH, a); }
    default Tensor gelu(Tensor a) { return unary(Unary.GELU_ERF, a); }
    default Tensor relu(Tensor a) { return unary(Unary.RELU, a); }

    // ---------------------------------------------------------------- linear algebra

    /** Batched matmul {@code [..., M, K] × [..., K, N] → [..., M, N]}, batch dims broadcast. */
    Tensor matmul(Tensor a, Tensor b);

    /** {@code x · wᵀ + bias}: x {@code [..., in]}, w {@code [out, in]}, bias {@code [out]} or null. */
    Tensor linear(Tensor x, Tensor w, Tensor bias);

    /**
     * {@code gelu_tanh(x · wᵀ + bias)}, the projection and activation of a GELU feed-forward; GPU backends fuse the
     * activation into the GEMM's epilogue (one pass over the wide hidden state instead of three).
     */
    default Tensor linearGeluTanh(Tensor x, Tensor w, Tensor bias) {
        return geluTanh(linear(x, w, bias));
    }

    /**
     * 3-D convolution with zero padding {@code padding = (pt, ph, pw)} on both sides of each dim.
     * x {@code [B, Cin, T, H, W]}, w {@code [Cout, Cin, kt, kh, kw]}, bias {@code [Cout]} or null.
     */
    Tensor conv3d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding);

    /** 2-D convolution; x {@code [B, Cin, H, W]}, w {@code [Cout, Cin, kh, kw]}, padding {@code (ph, pw)}. */
    Tensor conv2d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding);

    /**
     * The gradient of {@link #conv3d}'s input: {@code dy [B, Co, T', H', W']} and {@code w [Co, Ci, kt, kh, kw]} give
     * {@code dx} of {@code xShape}, in dy's dtype. Null (the default) when this backend has no direct kernel for it;
     * autograd then composes it from {@link #conv3d} (the flipped, transposed weight).
     */
    default Tensor conv3dBackwardData(Tensor dy, Tensor w, int[] xShape, int[] stride, int[] padding) { return null; }

    /**
     * The gradient of {@link #conv3d}'s weight: {@code x [B, Ci, T, H, W]} and {@code dy} give {@code dw} of
     * {@code wShape}, in x's dtype (accumulated in fp32). Null (the default) when this backend has no direct kernel
     * for it; autograd then composes it from {@link #conv3d} or matrix products.
     */
    default Tensor conv3dBackwardFilter(Tensor x, Tensor dy, int[] wShape, int[] stride, int[] padding) { return null; }

    // ---------------------------------------------------------------- normalisation

    /** Layer norm over the last dim with fp32 statistics; weight/bias {@code [D]} or null. */
    Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps);

    /** RMS norm over the last dim: {@code x / sqrt(mean(x²) + eps) · weight}; weight {@code [D]} or null. */
    Tensor rmsNorm(Tensor x, Tensor weight, float eps);

    /** Group norm over x {@code [B, C, ...]} in {@code groups} groups; weight/bias {@code [C]} or null. */
    Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps);

    /** Softmax over the last dim. */
    Tensor softmax(Tensor x);

    /**
     * The gradients of {@link #layerNorm} over the last dim D, {@code y = x̂·weight + bias} with {@code x̂ = (x − mean)·rstd},
     * given y's gradient {@code g} (x's shape): {@code {dx, dweight, dbias}}. {@code dx} is in x's dtype (fp32 math,
     * rounded once, as PyTorch's fused backward writes it). With {@code affineGrads} the weight's and bias's gradients
     * come too, as fp32 {@code [D]} column sums over every row: {@code Σ g·x̂} and {@code Σ g} (the bias itself is not
     * needed); else both are null. weight {@code [D]} or null. Null (the default) when this backend has no fused kernel
     * for the problem; autograd then composes the gradients in fp32.
     */
    default Tensor[] layerNormBackward(Tensor x, Tensor weight, float eps, Tensor g, boolean affineGrads) { return null; }

    /**
     * The gradients {@code {dx, dweight}} of {@link #rmsNorm} over the last dim, given y's gradient {@code g}: as
     * {@link #layerNormBackward} without the mean and the bias ({@code dweight = Σ g·x̂} in fp32 when {@code weightGrad},
     * else null). Null (the default) when this backend has no fused kernel for the problem.
     */
    default Tensor[] rmsNormBackward(Tensor x, Tensor weight, float eps, Tensor g, boolean weightGrad) { return null; }

    /**
     * Scaled dot-product attention {@code softmax(q·kᵀ·scale + bias)·v} computed in tiles so memory stays
     * O(L·D). q {@code [B, H, Lq, D]}, k/v {@code [B, H, Lk, D]} (v may have its own head dim), bias null or
     * broadcastable to {@code [B, H, Lq, Lk]} (additive; use a large negative value to mask).
     */
    Tensor attention(Tensor q, Tensor k, Tensor v, Tensor bias, float scale);

    /**
     * Unbiased {@link #attention} as a training forward: {@code {o, stats}}, where {@code stats} is whatever per-row
     * record of the softmax this backend's {@link #attentionBackward} reads back (on CUDA, cuDNN's log-sum-exp
     * {@code [B, H, Lq, 1]} fp32), so the backward need not run the forward again. Null (the default) when the backend
     * keeps no such record for this problem; autograd then calls {@link #attention} and passes null statistics.
     */
    default Tensor[] attentionForBackward(Tensor q, Tensor k, Tensor v, float scale) { return null; }

    /**
     * The gradients {@code {dq, dk, dv}} of unbiased {@link #attention} {@code o = softmax(q·kᵀ·scale)·v}, given its
     * output {@code o [B, H, Lq, D]}, the statistics {@link #attentionForBackward} gave with that output (or null when
     * {@code o} came from {@link #attention}) and the output's gradient {@code dO} (same shape), as tensors of q's, k's
     * and v's shapes, in fp32 or in q's dtype (a fused kernel that writes 16-bit gradients, as cuDNN's does). Null
     * (the default) when this backend has no fused kernel for the problem (its dtype, head dim, layout or device);
     * autograd then composes the gradients from matrix products and a softmax, a block of queries at a time.
     */
    default Tensor[] attentionBackward(Tensor q, Tensor k, Tensor v, Tensor o, Tensor stats, Tensor dO, float scale) { return null; }

    // ---------------------------------------------------------------- reductions

    Tensor sum(Tensor x, int dim, boolean keepDim);
    Tensor mean(Tensor x, int dim, boolean keepDim);
    Tensor max(Tensor x, int dim, boolean keepDim);

    /** L2 norm along {@code dim}. */
    Tensor norm(Tensor x, int dim, boolean keepDim);

    /**
     * The L2 norm of each whole tensor of {@code xs}, as one fp32 vector {@code [n]} ({@code torch._foreach_norm}):
     * what gradient clipping reads. The default takes each norm and concatenates them; a backend with a multi-tensor
     * kernel does it in one pass over all of them (825 tensors for the 1.3B DiT).
     */
    default Tensor norms(List<Tensor> xs) {
        Tensor[] each = new Tensor[xs.size()];
        try (Scope scope = Scope.open()) {
            for (int i = 0; i < each.length; i++) {
                Tensor x = xs.get(i);
                each[i] = norm(x.dtype() == DType.F32 ? x.reshape(-1) : cast(x, DType.F32).reshape(-1), 0, true);   // [1]
            }
            return scope.keep(concat(0, each));
        }
    }

    // ---------------------------------------------------------------- structure

    /** Concatenates along {@code dim}. */
    Tensor concat(int dim, Tensor... xs);

    /**
     * Constant padding as {@code torch.nn.functional.pad}: {@code pads} holds (before, after) pairs starting
     * from the last dimension; negative values crop.
     */
    Tensor pad(Tensor x, int[] pads, float value);

    /** Rows of {@code weight [V, D]} at {@code ids} (any shape) → {@code ids.shape + [D]}; ids out of range throw. */
    Tensor embedding(Tensor weight, int[] ids, int... idsShape);

    /** Nearest 2× upsampling of the last two dims (equals PyTorch's "nearest-exact" at scale 2). */
    Tensor upsampleNearest2x(Tensor x);

    // ---------------------------------------------------------------- fused (defaults compose the primitives)

    /** AdaLN modulation {@code x · (1 + scale) + shift}, computed in fp32. */
    default Tensor modulate(Tensor x, Tensor shift, Tensor scale) {
        return add(mul(x, addScalar(scale, 1f)), shift);
    }

    /** Gated residual {@code x + y · gate}. */
    default Tensor gatedResidual(Tensor x, Tensor y, Tensor gate) {
        return add(x, mul(y, gate));
    }

    /**
     * The Wan VAE's RMS norm over dim 1 (Diffusers' {@code WanRMS_norm}, channel-first: {@code F.normalize(x, dim=1)
     * · scale · gamma}), then SiLU when {@code silu}: {@code x / max(‖x‖₂ over dim 1, eps) · scale · gamma}, each step
     * rounded to x's dtype as the composed ops below round it. {@code gamma} broadcasts against x ({@code [C, 1, …]}).
     * A GPU runs it as one pass over x; a tape records the composition.
     */
    default Tensor channelNorm(Tensor x, Tensor gamma, float scale, float eps, boolean silu) {
        try (Scope s = Scope.open()) {   // the intermediate steps die here
            Tensor norm = clamp(norm(x, 1, true), eps, Float.MAX_VALUE);   // [B, 1, ...]
            Tensor out = mul(scale(div(x, norm), scale), gamma);
            return s.keep(silu ? silu(out) : out);
        }
    }

    /**
     * Rotary embedding on interleaved pairs as Wan/Diffusers apply it: x {@code [B, L, H, D]}, cos/sin
     * {@code [L, D/2]}; {@code out[2i] = x[2i]·cos[i] − x[2i+1]·sin[i]}, {@code out[2i+1] = x[2i]·sin[i] + x[2i+1]·cos[i]}.
     */
    default Tensor rope(Tensor x, Tensor cos, Tensor sin) {
        int[] s = x.shape();
        int half = s[3] / 2;
        Tensor pairs = x.reshape(s[0], s[1], s[2], half, 2);
        Tensor x1 = pairs.select(4, 0), x2 = pairs.select(4, 1);
        Tensor c = cos.reshape(1, s[1], 1, half), n = sin.reshape(1, s[1], 1, half);
        Tensor o1 = sub(mul(x1, c), mul(x2, n));
        Tensor o2 = add(mul(x1, n), mul(x2, c));
        return concat(4, o1.unsqueeze(4), o2.unsqueeze(4)).reshape(s);
    }

    /**
     * Clamps every element into {@code [min, max]} ({@code torch.clamp}). The default is exact but composes
     * stack-and-reduce; backends should override it with a pointwise kernel.
     */
    default Tensor clamp(Tensor x, float min, float max) {
        Tensor atLeast = maximum(x, min);
        return unary(Unary.NEG, maximum(unary(Unary.NEG, atLeast), -max));
    }

    /** Elementwise {@code max(x, s)}, by reducing x stacked with a constant. */
    private Tensor maximum(Tensor x, float s) {
        int r = x.rank();
        Tensor c = full(s, x.dtype(), x.shape());
        return max(concat(r, x.unsqueeze(r), c.unsqueeze(r)), r, false);
    }

    /**
     * One AdamW update in place, in fp32: {@code expAvg}, {@code expAvgSq} and {@code param} (the master weights) are
     * overwritten, {@code grad} is read (all of one shape). The default composes pointwise ops, rounding after each
     * as they do; backends override it with one pass over the four tensors, rounding the same way (an optimizer step
     * is otherwise ~15 launches per parameter).
     */
    default void adamw(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep s) {
        try (Scope scope = Scope.open()) {
            if (s.gradScale() != 1f) grad = scale(grad, s.gradScale());
            copyInto(expAvg, add(scale(expAvg, s.beta1()), scale(grad, 1 - s.beta1())));
            copyInto(expAvgSq, add(scale(expAvgSq, s.beta2()), scale(unary(Unary.SQUARE, grad), 1 - s.beta2())));
            Tensor denom = addScalar(scale(unary(Unary.SQRT, expAvgSq), 1f / s.bc2Sqrt()), s.eps());
            copyInto(param, sub(scale(param, s.decay()), scale(div(expAvg, denom), s.stepSize())));
        }
    }

    /** Waits for all queued work on this device (no-op on the CPU). */
    default void synchronize() {}
}
