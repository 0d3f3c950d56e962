package dev.reel.core.cpu;

import static dev.reel.core.cpu.Ref.CPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend.Unary;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.function.DoubleBinaryOperator;
import org.junit.jupiter.api.Test;

class CpuElementwiseTest {

    private static double[] refBinary(Tensor a, Tensor b, int[] out, DoubleBinaryOperator f) {
        double[] av = Ref.values(a), bv = Ref.values(b);
        double[] r = new double[(int) Tensor.numel(out)];
        for (int i = 0; i < r.length; i++) {
            int[] idx = Ref.unravel(i, out);
            r[i] = f.applyAsDouble(av[Ref.bcastIndex(idx, a.shape())], bv[Ref.bcastIndex(idx, b.shape())]);
        }
        return r;
    }

    private static void checkAll(Tensor a, Tensor b, int[] out) {
        Tensor s = CPU.add(a, b);
        assertArrayEquals(out, s.shape());
        Ref.assertClose(refBinary(a, b, out, Double::sum), s, 1e-7);
        Ref.assertClose(refBinary(a, b, out, (x, y) -> x - y), CPU.sub(a, b), 1e-7);
        Ref.assertClose(refBinary(a, b, out, (x, y) -> x * y), CPU.mul(a, b), 1e-7);
        Ref.assertClose(refBinary(a, b, out, (x, y) -> x / y), CPU.div(a, b), 1e-6);
    }

    @Test void binaryBroadcastsLikeNumpy() {
        checkAll(Ref.rand(1, 2, 3, 4), Ref.rand(2, 4), new int[] {2, 3, 4});
        checkAll(Ref.rand(3, 2, 1, 4), Ref.rand(4, 3, 1), new int[] {2, 3, 4});
        checkAll(Ref.rand(5, 5), Ref.rand(6, 1), new int[] {5});
        checkAll(Ref.rand(7, 1, 6), Ref.rand(8, 5, 1), new int[] {5, 6});
        checkAll(Ref.rand(9, 3, 4), CPU.fromFloats(new float[] {0.5f}, DType.F32), new int[] {3, 4});
        checkAll(Ref.rand(10, 64, 700), Ref.rand(11, 64, 700), new int[] {64, 700});
    }

    @Test void binaryReadsStridedViews() {
        checkAll(Ref.randTransposed(12, 3, 17, 9), Ref.rand(13, 17, 9), new int[] {3, 17, 9});
        checkAll(Ref.randNarrowed(14, 4, 5), Ref.randTransposed(15, 4, 5), new int[] {4, 5});
        Tensor expanded = Ref.rand(16, 1, 5).expand(4, 5);
        checkAll(expanded, Ref.randNarrowed(17, 4, 5), new int[] {4, 5});
        Tensor perm = Ref.rand(18, 2, 3, 4, 5).permute(3, 1, 0, 2);
        checkAll(perm, Ref.rand(19, 5, 1, 2, 1), new int[] {5, 3, 2, 4});
    }

    @Test void binaryRejectsIncompatibleShapes() {
        ShapeException e = assertThrows(ShapeException.class, () -> CPU.add(Ref.rand(1, 2, 3), Ref.rand(2, 4, 3)));
        assertTrue(e.getMessage().contains("add") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 3]"), e.getMessage());
    }

    @Test void nonF32InputsAreRejected() {
        Tensor h = Ref.rand(1, 4).to(DType.BF16);
        ReelException e = assertThrows(ReelException.class, () -> CPU.add(h, Ref.rand(2, 4)));
        assertTrue(e.getMessage().contains("F32") && e.getMessage().contains("BF16"), e.getMessage());
        assertThrows(ReelException.class, () -> CPU.unary(Unary.SILU, h));
        assertThrows(ReelException.class, () -> CPU.matmul(h.reshape(2, 2), Ref.rand(3, 2, 2)));
    }

    @Test void scalarOps() {
        Tensor a = Ref.randNarrowed(3, 7, 33);
        double[] av = Ref.values(a);
        double[] s = new double[av.length], t = new double[av.length];
        for (int i = 0; i < av.length; i++) { s[i] = av[i] * 2.5; t[i] = av[i] - 0.75; }
        Ref.assertClose(s, CPU.scale(a, 2.5f), 1e-7);
        Ref.assertClose(t, CPU.addScalar(a, -0.75f), 1e-7);
    }

    /** erf by its Maclaurin series in 60-digit decimal arithmetic (no cancellation trouble at that precision). */
    static double erfRef(double x) {
        MathContext mc = new MathContext(60);
        BigDecimal bx = new BigDecimal(x), x2 = bx.multiply(bx, mc);
        BigDecimal term = bx, sum = bx;
        for (int n = 1; n < 400; n++) {
            term = term.multiply(x2, mc).negate().divide(BigDecimal.valueOf(n), mc);
            BigDecimal t = term.divide(BigDecimal.valueOf(2L * n + 1), mc);
            sum = sum.add(t, mc);
            if (t.abs().compareTo(new BigDecimal("1e-45")) < 0) break;
        }
        BigDecimal sqrtPi = new BigDecimal("1.772453850905516027298167483341145182797549456122387128213807789852911284591");
        return sum.multiply(BigDecimal.valueOf(2), mc).divide(sqrtPi, mc).doubleValue();
    }

    /** erfc in 60-digit arithmetic, 1 − erf, for moderate x where 60 digits leave plenty after cancellation. */
    static double erfcRef(double x) {
        MathContext mc = new MathContext(80);
        BigDecimal bx = new BigDecimal(x), x2 = bx.multiply(bx, mc);
        BigDecimal term = bx, sum = bx;
        for (int n = 1; n < 2000; n++) {
            term = term.multiply(x2, mc).negate().divide(BigDecimal.valueOf(n), mc);
            BigDecimal t = term.divide(BigDecimal.valueOf(2L * n + 1), mc);
            sum = sum.add(t, mc);
            if (t.abs().compareTo(new BigDecimal("1e-75")) < 0) break;
        }
        BigDecimal sqrtPi = new BigDecimal("1.772453850905516027298167483341145182797549456122387128213807789852911284591");
        return BigDecimal.ONE.subtract(sum.multiply(BigDecimal.valueOf(2), mc).divide(sqrtPi, mc), mc).doubleValue();
    }

    @Test void erfIsAccurate() {
        double worst = 0, worstC = 0;
        for (double x = -6; x <= 6; x += 0.0625 + 1e-4) {
            double r = erfRef(x);
            worst = Math.max(worst, Math.abs(Erf.erf(x) - r) / Math.abs(r));
            double rc = erfcRef(x);
            worstC = Math.max(worstC, Math.abs(Erf.erfc(x) - rc) / rc);
        }
        assertTrue(worst < 1e-12, "erf relative error " + worst);
        assertTrue(worstC < 1e-11, "erfc relative error " + worstC);
        assertEquals(0.0, Erf.erf(0.0));
        assertEquals(1.0, Erf.erf(30.0));
        assertEquals(-1.0, Erf.erf(-30.0));
    }

    private static double ref(Unary op, double x) {
        return switch (op) {
            case SILU -> x / (1 + Math.exp(-x));
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * Math.pow(x, 3))));
            case GELU_ERF -> 0.5 * x * (1 + erfRef(x / Math.sqrt(2)));
            case RELU -> Math.max(0, x);
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

    private static final java.util.Set<Unary> DOUBLE_OPS = java.util.EnumSet.of(Unary.GELU_ERF, Unary.TANH, Unary.SIN, Unary.COS, Unary.NEG, Unary.ABS, Unary.SQUARE, Unary.SQRT, Unary.RELU);

    /** |argument| of the exp inside a float-vector op. */
    private static double expArg(Unary op, double x) {
        return switch (op) {
            case GELU_TANH -> Math.abs(2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x));
            case SILU, SIGMOID, EXP -> Math.abs(x);
            default -> 0;
        };
    }

    @Test void everyUnaryMatchesFloat64() {
        float[] base = Ref.uniform(5, 2000);
        for (int i = 0; i < base.length; i++) base[i] *= 6; // [-6, 6)
        for (Unary op : Unary.values()) {
            float[] in = base.clone();
            if (op == Unary.SQRT || op == Unary.RSQRT) for (int i = 0; i < in.length; i++) in[i] = Math.abs(in[i]) + 1e-3f;
            Tensor t = CPU.fromFloats(in, DType.F32, 40, 50).transpose(0, 1); // strided input
            double[] tv = Ref.values(t);
            double[] r = new double[tv.length];
            for (int i = 0; i < r.length; i++) r[i] = ref(op, tv[i]);
            Tensor out = CPU.unary(op, t);
            assertArrayEquals(new int[] {50, 40}, out.shape());
            float[] o = out.toFloatArray();
            for (int i = 0; i < r.length; i++) {
                // double-evaluated ops round once (≤ 0.5 ulp). The float-vector ones stay within a few ulp plus the
                // float rounding of exp's argument, which exp amplifies by |arg| (its condition number)
                double tol = DOUBLE_OPS.contains(op) ? 2e-7 * Math.abs(r[i]) + 1e-30 : (6e-7 + 1.2e-7 * expArg(op, tv[i])) * Math.abs(r[i]) + 1e-30;
                assertTrue(Math.abs(o[i] - r[i]) <= tol, op + "(" + tv[i] + ") = " + o[i] + ", expected " + r[i]);
            }
        }
    }

    @Test void geluErfTailIsRelativelyAccurate() {
        // far in the negative tail gelu(x) = 0.5·x·erfc(|x|/√2) is tiny; it must not collapse to 0 or lose digits
        float[] xs = {-3f, -5f, -7f, -9f};
        float[] o = CPU.unary(Unary.GELU_ERF, CPU.fromFloats(xs, DType.F32, 4)).toFloatArray();
        for (int i = 0; i < xs.length; i++) {
            double r = 0.5 * xs[i] * erfcRef(-xs[i] / Math.sqrt(2));
            assertTrue(Math.abs(o[i] - r) <= 2e-7 * Math.abs(r), "gelu(" + xs[i] + ") = " + o[i] + " vs " + r);
        }
    }

    @Test void unarySpecialValues() {
        float[] xs = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f};
        Tensor t = CPU.fromFloats(xs, DType.F32, 5);
        float[] relu = CPU.relu(t).toFloatArray();
        assertTrue(Float.isNaN(relu[0]));
        assertEquals(Float.POSITIVE_INFINITY, relu[1]);
        assertEquals(0f, relu[2]);
        float[] silu = CPU.silu(t).toFloatArray();
        assertTrue(Float.isNaN(silu[0]));
        assertEquals(Float.POSITIVE_INFINITY, silu[1]);
        float[] sig = CPU.unary(Unary.SIGMOID, t).toFloatArray();
        assertEquals(1f, sig[1]);
        assertEquals(0f, sig[2]);
        float[] ge = CPU.gelu(t).toFloatArray();
        assertEquals(Float.POSITIVE_INFINITY, ge[1]);
        float[] gt = CPU.geluTanh(t).toFloatArray();
        assertTrue(Float.isNaN(gt[0]));
        assertEquals(Float.POSITIVE_INFINITY, gt[1]);
        float[] ex = CPU.unary(Unary.EXP, CPU.fromFloats(new float[] {100f, -200f, 0f, 1f, 88f, -1f, 2f, 3f, 5f}, DType.F32, 9)).toFloatArray();
        assertEquals(Float.POSITIVE_INFINITY, ex[0]);
        assertEquals(0f, ex[1]);
        assertEquals(1f, ex[2]);
    }
}
