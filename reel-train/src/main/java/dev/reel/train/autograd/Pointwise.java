package dev.reel.train.autograd;

import dev.reel.core.Backend;
import dev.reel.core.Backend.Unary;
import dev.reel.core.ReelException;
import dev.reel.core.Tensor;

/** Derivatives of {@link Unary} functions, composed of forward ops (the tanh-GELU's fused where the backend can). */
final class Pointwise {
    /** √(2/π), the tanh-GELU's inner factor. */
    private static final float GELU_C = 0.7978845608028654f;
    private static final float GELU_K = 0.044715f;
    /** Scales every positive fp32 (but subnormals) to at least 1, so clamp(·, 0, 1) gives an exact 0/1 step. */
    private static final float STEP = 3.4e38f;

    private Pointwise() {}

    /** The gradient of {@code x} from {@code g}, the gradient of {@code y = op(x)}. */
    static Tensor backward(Backend b, Unary op, Tensor x, Tensor y, Tensor g) {
        return switch (op) {
            case SILU -> {   // σ(x)·(1 + x·(1 − σ(x)))
                Tensor s = b.unary(Unary.SIGMOID, x);
                Tensor t = b.mul(x, b.addScalar(b.unary(Unary.NEG, s), 1f));
                yield b.mul(g, b.mul(s, b.addScalar(t, 1f)));
            }
            case GELU_TANH -> {   // ½(1 + t) + ½x(1 − t²)·c(1 + 3k x²), t = tanh(c(x + k x³))
                Tensor fused = b.geluTanhBackward(x, g);   // one pass where the backend has a kernel for it
                if (fused != null) yield fused;
                Tensor x2 = b.unary(Unary.SQUARE, x);
                Tensor t = b.unary(Unary.TANH, b.mul(b.scale(x, GELU_C), b.addScalar(b.scale(x2, GELU_K), 1f)));
                Tensor left = b.scale(b.addScalar(t, 1f), 0.5f);
                Tensor sech2 = b.addScalar(b.unary(Unary.NEG, b.unary(Unary.SQUARE, t)), 1f);
                Tensor inner = b.scale(b.addScalar(b.scale(x2, 3f * GELU_K), 1f), 0.5f * GELU_C);
                yield b.mul(g, b.add(left, b.mul(b.mul(x, sech2), inner)));
            }
            case GELU_ERF -> throw new ReelException("the erf-GELU has no backward yet (Wan uses the tanh-GELU)");
            case RELU -> b.mul(g, step(b, y));
            case EXP -> b.mul(g, y);
            case NEG -> b.unary(Unary.NEG, g);
            case SQRT -> b.div(b.scale(g, 0.5f), y);
            case RSQRT -> b.mul(g, b.scale(b.mul(b.unary(Unary.SQUARE, y), y), -0.5f));   // −½ x^(−3/2) = −½ y³
            case TANH -> b.mul(g, b.addScalar(b.unary(Unary.NEG, b.unary(Unary.SQUARE, y)), 1f));
            case SIGMOID -> b.mul(g, b.mul(y, b.addScalar(b.unary(Unary.NEG, y), 1f)));
            case ABS -> b.mul(g, b.sub(step(b, x), step(b, b.unary(Unary.NEG, x))));   // sign(x), 0 at 0 as PyTorch
            case SIN -> b.mul(g, b.unary(Unary.COS, x));
            case COS -> b.unary(Unary.NEG, b.mul(g, b.unary(Unary.SIN, x)));
            case SQUARE -> b.mul(g, b.scale(x, 2f));
        };
    }

    /** 1 where {@code x > 0}, else 0. */
    static Tensor step(Backend b, Tensor x) {
        return b.clamp(b.scale(x, STEP), 0f, 1f);
    }

    /** 1 where {@code a == b} elementwise (broadcasting), else 0. */
    static Tensor equalMask(Backend b, Tensor a, Tensor c) {
        Tensor diff = b.unary(Unary.ABS, b.sub(a, c));
        return b.addScalar(b.unary(Unary.NEG, step(b, diff)), 1f);
    }
}
