package dev.reel.train.autograd;

import dev.reel.core.Backend;
import dev.reel.core.Backend.Unary;
import dev.reel.core.DType;
import dev.reel.core.Tensor;

/**
 * Backward of the normalisations, in fp32 as their forwards. With x̂ the normalised input and ĝ = g·weight, the
 * input gradient of a layer norm is {@code rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))}; an RMS norm drops the mean term.
 * Layer and RMS norm ask the backend first for its fused kernel ({@link Backend#layerNormBackward},
 * {@link Backend#rmsNormBackward}: one pass, dx in x's dtype, which the tape would cast it to anyway) and compose
 * the gradients below where it has none.
 */
final class NormGrad {
    private NormGrad() {}

    /** Gradients of (x, weight, bias) of {@code layerNorm(x, weight, bias, eps)} over the last dim. */
    static Tensor[] layerNorm(Backend b, Tensor x, Tensor weight, float eps, Tensor g, boolean[] needed) {
        boolean wGrad = needed.length > 1 && needed[1], biasGrad = needed.length > 2 && needed[2];
        Tensor[] fused = needed[0] ? b.layerNormBackward(x, weight, eps, g, wGrad || biasGrad) : null;
        if (fused != null) return new Tensor[] {fused[0], wGrad ? fused[1].reshape(weight.shape()) : null, biasGrad ? fused[2] : null};
        Tensor xf = b.cast(x, DType.F32), gf = b.cast(g, DType.F32);
        Tensor mu = b.mean(xf, -1, true);
        Tensor xc = b.sub(xf, mu);
        Tensor rstd = b.unary(Unary.RSQRT, b.addScalar(b.mean(b.unary(Unary.SQUARE, xc), -1, true), eps));
        Tensor xhat = b.mul(xc, rstd);
        Tensor ghat = weight == null ? gf : b.mul(gf, weight);
        Tensor[] out = new Tensor[3];
        if (needed[0]) {
            Tensor inner = b.sub(b.sub(ghat, b.mean(ghat, -1, true)), b.mul(xhat, b.mean(b.mul(ghat, xhat), -1, true)));
            out[0] = b.mul(rstd, inner);
        }
        if (needed.length > 1 && needed[1]) out[1] = Shapes.reduceTo(b, b.mul(gf, xhat), weight);
        if (needed.length > 2 && needed[2]) out[2] = Shapes.reduceTo(b, gf, new int[] {x.size(-1)});
        return out;
    }

    /** Gradients of (x, weight) of {@code rmsNorm(x, weight, eps)} over the last dim. */
    static Tensor[] rmsNorm(Backend b, Tensor x, Tensor weight, float eps, Tensor g, boolean[] needed) {
        Tensor[] fused = needed[0] ? b.rmsNormBackward(x, weight, eps, g, needed[1]) : null;
        if (fused != null) return new Tensor[] {fused[0], needed[1] ? fused[1].reshape(weight.shape()) : null};
        Tensor xf = b.cast(x, DType.F32), gf = b.cast(g, DType.F32);
        Tensor rstd = b.unary(Unary.RSQRT, b.addScalar(b.mean(b.unary(Unary.SQUARE, xf), -1, true), eps));
        Tensor xhat = b.mul(xf, rstd);
        Tensor ghat = weight == null ? gf : b.mul(gf, weight);
        Tensor[] out = new Tensor[2];
        if (needed[0]) out[0] = b.mul(rstd, b.sub(ghat, b.mul(xhat, b.mean(b.mul(ghat, xhat), -1, true))));
        if (needed[1]) out[1] = Shapes.reduceTo(b, b.mul(gf, xhat), weight);
        return out;
    }

    /** Gradients of (x, weight, bias) of {@code groupNorm(x [B, C, ...], groups, weight [C], bias [C], eps)}. */
    static Tensor[] groupNorm(Backend b, Tensor x, int groups, Tensor weight, float eps, Tensor g, boolean[] needed) {
        int[] s = x.shape();
        int batch = s[0], channels = s[1];
        int[] perChannel = new int[s.length];   // [1, C, 1, ...] to broadcast weight over x
        java.util.Arrays.fill(perChannel, 1);
        perChannel[1] = channels;
        Tensor gf = b.cast(g, DType.F32);
        Tensor ghat = weight == null ? gf : b.mul(gf, weight.reshape(perChannel));
        // per group it is a layer norm over the group's flattened channels and positions
        Tensor xg = b.cast(x, DType.F32).reshape(batch, groups, -1);
        Tensor[] inner = layerNorm(b, xg, null, eps, ghat.reshape(batch, groups, -1), new boolean[] {true});
        Tensor[] out = new Tensor[3];
        out[0] = needed[0] ? inner[0].reshape(s) : null;
        if ((needed.length > 1 && needed[1])) {
            Tensor mu = b.mean(xg, -1, true);
            Tensor xc = b.sub(xg, mu);
            Tensor rstd = b.unary(Unary.RSQRT, b.addScalar(b.mean(b.unary(Unary.SQUARE, xc), -1, true), eps));
            Tensor xhat = b.mul(xc, rstd).reshape(s);
            out[1] = Shapes.reduceTo(b, b.mul(gf, xhat), perChannel).reshape(channels);
        }
        if (needed.length > 2 && needed[2]) out[2] = Shapes.reduceTo(b, gf, perChannel).reshape(channels);
        return out;
    }
}
