package dev.reel.core.cpu;

import static dev.reel.core.cpu.Ref.CPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.DType;
import dev.reel.core.Tensor;
import org.junit.jupiter.api.Test;

class CpuReduceTest {

    enum K { SUM, MEAN, MAX, NORM }

    static double[] ref(K kind, Tensor x, int dim) {
        double[] xv = Ref.values(x);
        int[] s = x.shape();
        int n = s[dim];
        int[] os = s.clone();
        os[dim] = 1;
        double[] out = new double[(int) Tensor.numel(os)];
        for (int o = 0; o < out.length; o++) {
            int[] idx = Ref.unravel(o, os);
            double acc = kind == K.MAX ? Double.NEGATIVE_INFINITY : 0;
            for (int r = 0; r < n; r++) {
                idx[dim] = r;
                int p = 0;
                for (int d = 0; d < s.length; d++) p = p * s[d] + idx[d];
                double e = xv[p];
                acc = switch (kind) { case SUM, MEAN -> acc + e; case NORM -> acc + e * e; case MAX -> Math.max(acc, e); };
            }
            out[o] = switch (kind) { case SUM, MAX -> acc; case MEAN -> acc / n; case NORM -> Math.sqrt(acc); };
        }
        return out;
    }

    static Tensor run(K kind, Tensor x, int dim, boolean keep) {
        return switch (kind) {
            case SUM -> CPU.sum(x, dim, keep);
            case MEAN -> CPU.mean(x, dim, keep);
            case MAX -> CPU.max(x, dim, keep);
            case NORM -> CPU.norm(x, dim, keep);
        };
    }

    @Test void everyReductionAlongEveryDim() {
        Tensor[] inputs = {Ref.rand(1, 3, 5, 300), Ref.randTransposed(2, 4, 7, 6), Ref.rand(3, 2, 1, 6).expand(2, 5, 6)};
        for (Tensor x : inputs)
            for (K kind : K.values())
                for (int dim = 0; dim < x.rank(); dim++) {
                    Tensor keep = run(kind, x, dim, true), drop = run(kind, x, dim - x.rank(), false);
                    int[] ks = x.shape();
                    ks[dim] = 1;
                    assertArrayEquals(ks, keep.shape());
                    assertTrue(drop.rank() == x.rank() - 1);
                    double[] r = ref(kind, x, dim);
                    Ref.assertClose(r, keep, 1e-6);
                    Ref.assertClose(r, drop, 1e-6);
                }
    }

    @Test void sumOfManyValuesKeepsPrecision() {
        // one million values of 0.1 + tiny noise: a float accumulator drifts by ~1e-3 relative
        float[] f = new float[1 << 20];
        java.util.Arrays.fill(f, 0.1f);
        Tensor x = CPU.fromFloats(f, DType.F32, f.length);
        double expect = f.length * (double) 0.1f;
        float got = CPU.sum(x, 0, false).item();
        assertTrue(Math.abs(got - expect) / expect < 1e-7, "sum " + got + " vs " + expect);
    }

    @Test void maxPropagatesNaN() {
        Tensor x = CPU.fromFloats(new float[] {1, Float.NaN, 3, 4, 5, 6}, DType.F32, 2, 3);
        float[] m = CPU.max(x, 1, false).toFloatArray();
        assertTrue(Float.isNaN(m[0]));
        assertTrue(m[1] == 6f);
    }
}
