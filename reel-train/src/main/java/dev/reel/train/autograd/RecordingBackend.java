package dev.reel.train.autograd;

import dev.reel.core.AdamWStep;
import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.core.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;

/**
 * The backend model code sees while a {@link Tape} records: each op runs on the real backend, then is recorded
 * with its derivative. Every derivative is composed of the real backend's forward ops, so the backward runs on
 * every device that runs the forward, with no kernels of its own.
 */
final class RecordingBackend implements Backend {
    private final Backend d;
    private final Tape tape;

    RecordingBackend(Backend delegate, Tape tape) {
        this.d = delegate;
        this.tape = tape;
    }

    private <T> T run(Supplier<T> op) { return tape.untaped(op); }

    private Tensor made(Tensor t) { return tape.record("new", t, new Tensor[0], null); }

    private static Tensor[] of(Tensor... ts) { return ts; }

    private static Tensor unsupported(String op) {
        throw new ReelException(op + " has no backward: it cannot appear between a watched tensor and the loss");
    }

    @Override public Device device() { return d.device(); }
    @Override public void synchronize() { d.synchronize(); }
    @Override public String deviceName() { return d.deviceName(); }
    @Override public dev.reel.core.MemoryStats memoryStats() { return d.memoryStats(); }
    @Override public void resetPeakMemory() { d.resetPeakMemory(); }
    @Override public dev.reel.core.DeviceTimer timer() { return d.timer(); }

    // ---------------------------------------------------------------- memory

    @Override public Tensor empty(DType dtype, int... shape) { return made(run(() -> d.empty(dtype, shape))); }
    @Override public Tensor zeros(DType dtype, int... shape) { return made(run(() -> d.zeros(dtype, shape))); }
    @Override public Tensor full(float value, DType dtype, int... shape) { return made(run(() -> d.full(value, dtype, shape))); }
    @Override public Tensor fromFloats(float[] data, DType dtype, int... shape) { return made(run(() -> d.fromFloats(data, dtype, shape))); }
    @Override public Tensor fromSegment(MemorySegment src, DType srcType, DType dtype, int... shape) { return made(run(() -> d.fromSegment(src, srcType, dtype, shape))); }
    @Override public float[] toFloatArray(Tensor t) { return run(() -> d.toFloatArray(t)); }

    @Override public Tensor copyFrom(Tensor t) {
        Tensor y = run(() -> d.copyFrom(t));
        return tape.record("copyFrom", y, of(t), (g, n) -> of(dev.reel.core.Backends.of(t.device()).copyFrom(g)));
    }

    @Override public Tensor contiguous(Tensor t) {
        return tape.record("contiguous", run(() -> d.contiguous(t)), of(t), (g, n) -> of(g));
    }

    @Override public Tensor cast(Tensor t, DType dtype) {
        return tape.record("cast", run(() -> d.cast(t, dtype)), of(t), (g, n) -> of(d.cast(g, t.dtype())));
    }

    @Override public void copyInto(Tensor dst, Tensor src) {
        if (tape.requiresGrad(dst) || tape.requiresGrad(src)) {
            throw new ReelException("copyInto writes in place, which the tape cannot differentiate; compose a new tensor (concat, pad) instead");
        }
        run(() -> { d.copyInto(dst, src); return null; });
    }

    // ---------------------------------------------------------------- elementwise

    @Override public Tensor add(Tensor a, Tensor b) {
        return tape.record("add", run(() -> d.add(a, b)), of(a, b),
                (g, n) -> of(n[0] ? Shapes.reduceTo(d, g, a) : null, n[1] ? Shapes.reduceTo(d, g, b) : null));
    }

    @Override public Tensor sub(Tensor a, Tensor b) {
        return tape.record("sub", run(() -> d.sub(a, b)), of(a, b),
                (g, n) -> of(n[0] ? Shapes.reduceTo(d, g, a) : null, n[1] ? d.unary(Unary.NEG, Shapes.reduceTo(d, g, b)) : null));
    }

    @Override public Tensor mul(Tensor a, Tensor b) {
        return tape.record("mul", run(() -> d.mul(a, b)), of(a, b),
                (g, n) -> of(n[0] ? Shapes.reduceTo(d, d.mul(g, b), a) : null, n[1] ? Shapes.reduceTo(d, d.mul(g, a), b) : null), a, b);
    }

    @Override public Tensor div(Tensor a, Tensor b) {
        Tensor y = run(() -> d.div(a, b));
        return tape.record("div", y, of(a, b), (g, n) -> {
            Tensor ga = d.div(g, b);                                   // ∂(a/b)/∂a = 1/b
            return of(n[0] ? Shapes.reduceTo(d, ga, a) : null,
                      n[1] ? Shapes.reduceTo(d, d.unary(Unary.NEG, d.mul(ga, y)), b) : null);   // ∂/∂b = −a/b² = −y/b
        }, b, y);
    }

    @Override public Tensor scale(Tensor a, float s) {
        return tape.record("scale", run(() -> d.scale(a, s)), of(a), (g, n) -> of(d.scale(g, s)));
    }

    @Override public Tensor addScalar(Tensor a, float s) {
        return tape.record("addScalar", run(() -> d.addScalar(a, s)), of(a), (g, n) -> of(g));
    }

    @Override public Tensor unary(Unary op, Tensor a) {
        Tensor y = run(() -> d.unary(op, a));
        return tape.record(op.name().toLowerCase(java.util.Locale.ROOT), y, of(a), (g, n) -> of(Pointwise.backward(d, op, a, y, g)), a, y);
    }

    @Override public Tensor clamp(Tensor x, float min, float max) {
        Tensor y = run(() -> d.clamp(x, min, max));
        // 1 where x is inside [min, max] (y == x), 0 where it was clamped
        return tape.record("clamp", y, of(x), (g, n) -> of(d.mul(g, Pointwise.equalMask(d, y, x))), x, y);
    }

    // ---------------------------------------------------------------- linear algebra

    @Override public Tensor matmul(Tensor a, Tensor b) {
        return tape.record("matmul", run(() -> d.matmul(a, b)), of(a, b), (g, n) -> of(
                n[0] ? Shapes.reduceTo(d, d.matmul(g, b.transpose(-1, -2)), a) : null,
                n[1] ? Shapes.reduceTo(d, d.matmul(a.transpose(-1, -2), g), b) : null), a, b);
    }

    @Override public Tensor linear(Tensor x, Tensor w, Tensor bias) {
        Tensor y = run(() -> d.linear(x, w, bias));
        return tape.record("linear", y, of(x, w, bias), (g, n) -> {
            int out = w.size(0), in = w.size(1);
            Tensor g2 = g.reshape(-1, out);
            return of(n[0] ? d.matmul(g, w) : null,                                       // [..., out]·[out, in]
                      n[1] ? d.matmul(g2.transpose(0, 1), x.reshape(-1, in)) : null,     // Σ gᵀx → [out, in]
                      n[2] ? d.sum(g2, 0, false) : null);
        }, x, w);
    }

    @Override public Tensor linearGeluTanh(Tensor x, Tensor w, Tensor bias) {
        // recorded as its two ops: the activation's backward needs the pre-activation
        return unary(Unary.GELU_TANH, linear(x, w, bias));
    }

    /** An optimizer update, not an op of the forward: passed through, never recorded. */
    @Override public void adamw(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep s) { d.adamw(param, grad, expAvg, expAvgSq, s); }
    // the fused gradients (convolution, attention, GELU, norms) are only called by backward passes, which run on the raw backend: not recorded
    @Override public Tensor conv3dBackwardData(Tensor dy, Tensor w, int[] xShape, int[] stride, int[] padding) {
        return d.conv3dBackwardData(dy, w, xShape, stride, padding);
    }
    @Override public Tensor conv3dBackwardFilter(Tensor x, Tensor dy, int[] wShape, int[] stride, int[] padding) {
        return d.conv3dBackwardFilter(x, dy, wShape, stride, padding);
    }
    @Override public Tensor[] attentionBackward(Tensor q, Tensor k, Tensor v, Tensor o, Tensor stats, Tensor dO, float scale) {
        return d.attentionBackward(q, k, v, o, stats, dO, scale);
    }
    @Override public Tensor geluTanhBackward(Tensor x, Tensor g) { return d.geluTanhBackward(x, g); }
    @Override public Tensor[] layerNormBackward(Tensor x, Tensor weight, float eps, Tensor g, boolean affineGrads) {
        return d.layerNormBackward(x, weight, eps, g, affineGrads);
    }
    @Override public Tensor[] rmsNormBackward(Tensor x, Tensor weight, float eps, Tensor g, boolean weightGrad) {
        return d.rmsNormBackward(x, weight, eps, g, weightGrad);
    }

    @Override public Tensor conv3d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding) {
        Tensor y = run(() -> d.conv3d(x, w, bias, stride, padding));
        return tape.record("conv3d", y, of(x, w, bias), (g, n) -> ConvGrad.conv3d(d, x, w, g, stride, padding, n), x, w);
    }

    @Override public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding) {
        Tensor y = run(() -> d.conv2d(x, w, bias, stride, padding));
        return tape.record("conv2d", y, of(x, w, bias), (g, n) -> {
            Tensor[] r = ConvGrad.conv3d(d, x.unsqueeze(2), w.unsqueeze(2), g.unsqueeze(2),
                    new int[] {1, stride[0], stride[1]}, new int[] {0, padding[0], padding[1]}, n);
            return of(r[0] == null ? null : r[0].squeeze(2), r[1] == null ? null : r[1].squeeze(2), r[2]);
        }, x, w);
    }

    // ---------------------------------------------------------------- normalisation

    @Override public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        Tensor y = run(() -> d.layerNorm(x, weight, bias, eps));
        return tape.record("layerNorm", y, of(x, weight, bias), (g, n) -> NormGrad.layerNorm(d, x, weight, eps, g, n), x, weight);
    }

    @Override public Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        Tensor y = run(() -> d.rmsNorm(x, weight, eps));
        return tape.record("rmsNorm", y, of(x, weight), (g, n) -> NormGrad.rmsNorm(d, x, weight, eps, g, n), x, weight);
    }

    @Override public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) {
        Tensor y = run(() -> d.groupNorm(x, groups, weight, bias, eps));
        return tape.record("groupNorm", y, of(x, weight, bias), (g, n) -> NormGrad.groupNorm(d, x, groups, weight, eps, g, n), x, weight);
    }

    @Override public Tensor softmax(Tensor x) {
        Tensor y = run(() -> d.softmax(x));
        // ∂softmax: y ⊙ (g − Σ g⊙y)
        return tape.record("softmax", y, of(x), (g, n) -> of(d.mul(y, d.sub(g, d.sum(d.mul(g, y), -1, true)))), y);
    }

    @Override public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor bias, float scale) {
        // the backend's training forward where it has one: its softmax statistics save the backward a second forward
        boolean grads = tape.requiresGrad(q) || tape.requiresGrad(k) || tape.requiresGrad(v);
        Tensor[] withStats = bias == null && grads ? run(() -> d.attentionForBackward(q, k, v, scale)) : null;
        Tensor o = withStats != null ? withStats[0] : run(() -> d.attention(q, k, v, bias, scale));
        Tensor stats = withStats != null ? tape.produced(withStats[1]) : null;
        return tape.record("attention", o, of(q, k, v, bias), (g, n) -> AttentionGrad.backward(d, q, k, v, bias, scale, o, stats, g, n),
                q, k, v, bias, o, stats);
    }
    @Override public Tensor[] attentionForBackward(Tensor q, Tensor k, Tensor v, float scale) { return d.attentionForBackward(q, k, v, scale); }

    // ---------------------------------------------------------------- reductions

    @Override public Tensor sum(Tensor x, int dim, boolean keepDim) {
        int a = x.axis(dim);
        return tape.record("sum", run(() -> d.sum(x, dim, keepDim)), of(x), (g, n) -> of((keepDim ? g : g.unsqueeze(a)).expand(x.shape())));
    }

    @Override public Tensor mean(Tensor x, int dim, boolean keepDim) {
        int a = x.axis(dim);
        float inv = 1f / x.size(a);
        return tape.record("mean", run(() -> d.mean(x, dim, keepDim)), of(x),
                (g, n) -> of(d.scale(keepDim ? g : g.unsqueeze(a), inv).expand(x.shape())));
    }

    @Override public Tensor max(Tensor x, int dim, boolean keepDim) {
        int a = x.axis(dim);
        Tensor y = run(() -> d.max(x, dim, keepDim));
        // the gradient goes to the maxima (to each of them on ties)
        return tape.record("max", y, of(x), (g, n) -> {
            Tensor yk = keepDim ? y : y.unsqueeze(a), gk = keepDim ? g : g.unsqueeze(a);
            return of(d.mul(gk, Pointwise.equalMask(d, yk, x)));
        }, x, y);
    }

    @Override public Tensor norm(Tensor x, int dim, boolean keepDim) {
        int a = x.axis(dim);
        Tensor y = run(() -> d.norm(x, dim, keepDim));
        // ∂‖x‖/∂x = x / ‖x‖
        return tape.record("norm", y, of(x), (g, n) -> of(d.mul(x, d.div(keepDim ? g : g.unsqueeze(a), keepDim ? y : y.unsqueeze(a)))), x, y);
    }

    // ---------------------------------------------------------------- structure

    @Override public Tensor concat(int dim, Tensor... xs) {
        Tensor y = run(() -> d.concat(dim, xs));
        int a = y.axis(dim);
        return tape.record("concat", y, xs.clone(), (g, n) -> {
            Tensor[] out = new Tensor[xs.length];
            int start = 0;
            for (int i = 0; i < xs.length; i++) {
                int len = xs[i].size(a);
                if (n[i]) out[i] = g.narrow(a, start, len);
                start += len;
            }
            return out;
        });
    }

    @Override public Tensor pad(Tensor x, int[] pads, float value) {
        int[] crop = new int[pads.length];
        for (int i = 0; i < pads.length; i++) crop[i] = -pads[i];
        return tape.record("pad", run(() -> d.pad(x, pads, value)), of(x), (g, n) -> of(d.pad(g, crop, 0f)));
    }

    @Override public Tensor embedding(Tensor weight, int[] ids, int... idsShape) {
        Tensor y = run(() -> d.embedding(weight, ids, idsShape));
        return tape.record("embedding", y, of(weight), (g, n) -> of(EmbeddingGrad.backward(d, weight, ids, g)));
    }

    @Override public Tensor upsampleNearest2x(Tensor x) {
        Tensor y = run(() -> d.upsampleNearest2x(x));
        return tape.record("upsampleNearest2x", y, of(x), (g, n) -> {
            int r = x.rank();
            int[] s = x.shape();
            int[] split = new int[r + 2];
            System.arraycopy(s, 0, split, 0, r - 2);
            split[r - 2] = s[r - 2]; split[r - 1] = 2; split[r] = s[r - 1]; split[r + 1] = 2;
            Tensor blocks = g.reshape(split);                               // [..., H, 2, W, 2]
            return of(d.sum(d.sum(blocks, r + 1, false), r - 1, false));    // each pixel's four copies
        });
    }

    // ---------------------------------------------------------------- fused

    @Override public Tensor modulate(Tensor x, Tensor shift, Tensor scale) {
        Tensor y = run(() -> d.modulate(x, shift, scale));
        return tape.record("modulate", y, of(x, shift, scale), (g, n) -> of(
                n[0] ? d.mul(g, d.addScalar(scale, 1f)) : null,
                n[1] ? Shapes.reduceTo(d, g, shift) : null,
                n[2] ? Shapes.reduceTo(d, d.mul(g, x), scale) : null), x, scale);
    }

    @Override public Tensor gatedResidual(Tensor x, Tensor y, Tensor gate) {
        Tensor out = run(() -> d.gatedResidual(x, y, gate));
        return tape.record("gatedResidual", out, of(x, y, gate), (g, n) -> of(
                n[0] ? Shapes.reduceTo(d, g, x) : null,
                n[1] ? Shapes.reduceTo(d, d.mul(g, gate), y) : null,
                n[2] ? Shapes.reduceTo(d, d.mul(g, y), gate) : null), y, gate);
    }

    @Override public Tensor rope(Tensor x, Tensor cos, Tensor sin) {
        Tensor y = run(() -> d.rope(x, cos, sin));
        // a rotation per pair: its adjoint rotates back, by −θ
        return tape.record("rope", y, of(x), (g, n) -> of(d.rope(g, cos, d.unary(Unary.NEG, sin))), cos, sin);
    }
}
