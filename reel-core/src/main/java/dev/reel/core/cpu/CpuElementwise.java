package dev.reel.core.cpu;

import dev.reel.core.Backend.Unary;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Pointwise ops: binary ops with NumPy broadcasting, scalar ops and the {@link Unary} functions. */
final class CpuElementwise {
    private CpuElementwise() {}

    enum Binary { ADD, SUB, MUL, DIV }

    /** Elements per parallel chunk of pointwise work. */
    private static final int GRAIN = 1 << 14;

    /** The broadcast shape of {@code a} and {@code b} (NumPy rules: align from the right, 1 stretches). */
    static int[] broadcast(String op, int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            int db = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new ShapeException(op, "shapes " + ShapeException.fmt(a) + " and " + ShapeException.fmt(b) + " do not broadcast (dimension " + i + ": " + da + " vs " + db + "; sizes must match or be 1)");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    static Tensor binary(Binary op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase(java.util.Locale.ROOT);
        float[] aa = Dense.f32(name, a), ba = Dense.f32(name, b);
        int[] shape = broadcast(name, a.shape(), b.shape());
        Tensor ae = a.expand(shape), be = b.expand(shape);
        int n = Math.toIntExact(Tensor.numel(shape));
        float[] out = new float[n];
        if (n > 0) {
            Dense.Layout l = Dense.Layout.coalesce(shape, new long[][] {ae.strides(), be.strides()});
            int inner = l.shape()[l.rank() - 1];
            int sa = (int) l.more()[0][l.rank() - 1], sb = (int) l.more()[1][l.rank() - 1];
            long ao = ae.offset(), bo = be.offset();
            WorkerPool.parallelFor(n / inner, Math.max(1, GRAIN / inner), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    row(op, aa, (int) (ao + l.rowOffset(r, 0)), sa, ba, (int) (bo + l.rowOffset(r, 1)), sb, out, r * inner, inner);
                }
            });
        }
        return Dense.tensor(out, shape);
    }

    private static void row(Binary op, float[] a, int ao, int sa, float[] b, int bo, int sb, float[] c, int co, int n) {
        if (sa == 1 && sb == 1) {
            switch (op) {
                case ADD -> { for (int j = 0; j < n; j++) c[co + j] = a[ao + j] + b[bo + j]; }
                case SUB -> { for (int j = 0; j < n; j++) c[co + j] = a[ao + j] - b[bo + j]; }
                case MUL -> { for (int j = 0; j < n; j++) c[co + j] = a[ao + j] * b[bo + j]; }
                case DIV -> { for (int j = 0; j < n; j++) c[co + j] = a[ao + j] / b[bo + j]; }
            }
        } else if (sa == 1 && sb == 0) {
            float y = b[bo];
            switch (op) {
                case ADD -> { for (int j = 0; j < n; j++) c[co + j] = a[ao + j] + y; }
                case SUB -> { for (int j = 0; j < n; j++) c[co + j] = a[ao + j] - y; }
                case MUL -> { for (int j = 0; j < n; j++) c[co + j] = a[ao + j] * y; }
                case DIV -> { for (int j = 0; j < n; j++) c[co + j] = a[ao + j] / y; }
            }
        } else {
            switch (op) {
                case ADD -> { for (int j = 0; j < n; j++) c[co + j] = a[ao + j * sa] + b[bo + j * sb]; }
                case SUB -> { for (int j = 0; j < n; j++) c[co + j] = a[ao + j * sa] - b[bo + j * sb]; }
                case MUL -> { for (int j = 0; j < n; j++) c[co + j] = a[ao + j * sa] * b[bo + j * sb]; }
                case DIV -> { for (int j = 0; j < n; j++) c[co + j] = a[ao + j * sa] / b[bo + j * sb]; }
            }
        }
    }

    /** {@code a * s + t} elementwise. */
    static Tensor affine(String op, Tensor a, float s, float t) {
        Dense d = Dense.of(op, a);
        int n = Math.toIntExact(a.numel());
        float[] out = new float[n];
        float[] x = d.a();
        int off = d.off();
        WorkerPool.parallelFor(n, GRAIN, (i0, i1) -> {
            for (int i = i0; i < i1; i++) out[i] = x[off + i] * s + t;
        });
        return Dense.tensor(out, a.shape());
    }

    static Tensor unary(Unary op, Tensor a) {
        Dense d = Dense.of("unary " + op, a);
        int n = Math.toIntExact(a.numel());
        float[] out = new float[n];
        float[] x = d.a();
        int off = d.off();
        WorkerPool.parallelFor(n, GRAIN / 4, (i0, i1) -> apply(op, x, off + i0, out, i0, i1 - i0));
        return Dense.tensor(out, a.shape());
    }

    /** {@code op} over {@code a[from, to)} in place (fused epilogues). */
    static void applyInPlace(Unary op, float[] a, int from, int to) { apply(op, a, from, a, from, to - from); }

    private static void apply(Unary op, float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        if (VECTOR_OPS.contains(op)) {
            int l = VecMath.S.length();
            for (; i + l <= n; i += l) applyVector(op, FloatVector.fromArray(VecMath.S, x, xo + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = apply(op, x[xo + i]);
    }

    /** Functions evaluated in float vectors (a few ulp); the rest run in double, where cancellation needs it. */
    private static final java.util.Set<Unary> VECTOR_OPS = java.util.EnumSet.of(
            Unary.SILU, Unary.GELU_TANH, Unary.SIGMOID, Unary.EXP, Unary.RELU, Unary.NEG, Unary.ABS, Unary.SQUARE, Unary.SQRT, Unary.RSQRT);

    private static FloatVector applyVector(Unary op, FloatVector x) {
        return switch (op) {
            // x·σ(x) = x / (1 + e^−x): no cancellation anywhere, so float with a 2-ulp exp stays within a few ulp
            case SILU -> x.div(VecMath.exp(x.neg()).add(1f));
            // 0.5·x·(1 + tanh(u)) = x / (1 + e^(−2u)), u = √(2/π)(x + 0.044715x³)
            case GELU_TANH -> x.div(VecMath.exp(x.mul(x).mul(0.044715f).add(1f).mul(x).mul((float) (-2 * SQRT_2_OVER_PI))).add(1f));
            case SIGMOID -> FloatVector.broadcast(VecMath.S, 1f).div(VecMath.exp(x.neg()).add(1f));
            case EXP -> VecMath.exp(x);
            case RELU -> x.blend(0f, x.compare(VectorOperators.LE, 0f)); // NaN compares false and stays NaN
            case NEG -> x.neg();
            case ABS -> x.abs();
            case SQUARE -> x.mul(x);
            case SQRT -> x.sqrt();
            case RSQRT -> FloatVector.broadcast(VecMath.S, 1f).div(x.sqrt());
            default -> throw new IllegalStateException(op + " has no vector form");
        };
    }

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double INV_SQRT_2 = 1 / Math.sqrt(2);

    /** One pointwise function, evaluated in double and rounded once. */
    static float apply(Unary op, float xf) {
        double x = xf;
        return (float) switch (op) {
            case SILU -> x / (1 + Math.exp(-x));
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
            case GELU_ERF -> 0.5 * x * Erf.erfc(-x * INV_SQRT_2);
            case RELU -> x > 0 ? x : (x == x ? 0 : x);
            case EXP -> Math.exp(x);
            case NEG -> -x;
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1 / Math.sqrt(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case ABS -> Math.abs(x);
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case SQUARE -> x * x;
        };
    }
}
