package dev.reel.core.cpu;

import static dev.reel.core.cpu.Ref.CPU;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import org.junit.jupiter.api.Test;

class CpuNormTest {

    static double[] refLayerNorm(Tensor x, Tensor w, Tensor b, double eps, boolean rms) {
        double[] xv = Ref.values(x), wv = w == null ? null : Ref.values(w), bv = b == null ? null : Ref.values(b);
        int d = x.size(-1), rows = xv.length / d;
        double[] out = new double[xv.length];
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            if (!rms) { for (int j = 0; j < d; j++) mean += xv[r * d + j]; mean /= d; }
            double v = 0;
            for (int j = 0; j < d; j++) v += (xv[r * d + j] - mean) * (xv[r * d + j] - mean);
            v /= d;
            for (int j = 0; j < d; j++) {
                double y = (xv[r * d + j] - mean) / Math.sqrt(v + eps);
                if (wv != null) y *= wv[j];
                if (bv != null) y += bv[j];
                out[r * d + j] = y;
            }
        }
        return out;
    }

    @Test void layerNormVariants() {
        Tensor x = Ref.rand(1, 3, 7, 96), w = Ref.rand(2, 96), b = Ref.rand(3, 96);
        Ref.assertClose(refLayerNorm(x, w, b, 1e-6, false), CPU.layerNorm(x, w, b, 1e-6f), 1e-6);
        Ref.assertClose(refLayerNorm(x, null, null, 1e-6, false), CPU.layerNorm(x, null, null, 1e-6f), 1e-6);
        Tensor xt = Ref.randTransposed(4, 2, 40, 33);
        Ref.assertClose(refLayerNorm(xt, null, b.narrow(0, 0, 33), 1e-5, false), CPU.layerNorm(xt, null, b.narrow(0, 0, 33), 1e-5f), 1e-6);
    }

    @Test void layerNormStatisticsSurviveLargeOffsets() {
        // values 1000 + small noise: float accumulation of Σx² − (Σx)² would lose everything; double keeps it
        float[] f = Ref.uniform(5, 4096);
        for (int i = 0; i < f.length; i++) f[i] = 1000f + f[i] * 1e-2f;
        Tensor x = CPU.fromFloats(f, DType.F32, 2, 2048);
        Ref.assertClose(refLayerNorm(x, null, null, 1e-6, false), CPU.layerNorm(x, null, null, 1e-6f), 2e-4);
    }

    @Test void rmsNormWithAndWithoutWeight() {
        Tensor x = Ref.randNarrowed(6, 5, 64), w = Ref.rand(7, 64);
        Ref.assertClose(refLayerNorm(x, w, null, 1e-6, true), CPU.rmsNorm(x, w, 1e-6f), 1e-6);
        Ref.assertClose(refLayerNorm(x, null, null, 1e-6, true), CPU.rmsNorm(x, null, 1e-6f), 1e-6);
    }

    static double[] refGroupNorm(Tensor x, int groups, Tensor w, Tensor b, double eps) {
        double[] xv = Ref.values(x), wv = w == null ? null : Ref.values(w), bv = b == null ? null : Ref.values(b);
        int n = x.size(0), c = x.size(1), sp = xv.length / (n * c), cpg = c / groups;
        double[] out = new double[xv.length];
        for (int i = 0; i < n; i++)
            for (int g = 0; g < groups; g++) {
                double mean = 0, v = 0;
                int cnt = cpg * sp;
                for (int ch = g * cpg; ch < (g + 1) * cpg; ch++) for (int s = 0; s < sp; s++) mean += xv[(i * c + ch) * sp + s];
                mean /= cnt;
                for (int ch = g * cpg; ch < (g + 1) * cpg; ch++) for (int s = 0; s < sp; s++) { double e = xv[(i * c + ch) * sp + s] - mean; v += e * e; }
                v /= cnt;
                for (int ch = g * cpg; ch < (g + 1) * cpg; ch++)
                    for (int s = 0; s < sp; s++) {
                        int p = (i * c + ch) * sp + s;
                        double y = (xv[p] - mean) / Math.sqrt(v + eps);
                        if (wv != null) y *= wv[ch];
                        if (bv != null) y += bv[ch];
                        out[p] = y;
                    }
            }
        return out;
    }

    @Test void groupNorm() {
        Tensor x = Ref.rand(8, 2, 12, 3, 5, 4), w = Ref.rand(9, 12), b = Ref.rand(10, 12);
        Ref.assertClose(refGroupNorm(x, 4, w, b, 1e-6), CPU.groupNorm(x, 4, w, b, 1e-6f), 1e-6);
        Tensor xp = Ref.rand(11, 2, 5, 6, 8).permute(0, 2, 1, 3); // [2, 6, 5, 8] strided
        Ref.assertClose(refGroupNorm(xp, 3, null, null, 1e-5), CPU.groupNorm(xp, 3, null, null, 1e-5f), 1e-6);
        ShapeException e = assertThrows(ShapeException.class, () -> CPU.groupNorm(x, 5, null, null, 1e-6f));
        assertTrue(e.getMessage().contains("groupNorm") && e.getMessage().contains("5 groups"), e.getMessage());
    }

    @Test void softmaxIsStableAndMasks() {
        float[] f = Ref.uniform(12, 6 * 50);
        for (int i = 0; i < f.length; i++) f[i] *= 80; // exp would overflow without the max shift
        f[3] = Float.NEGATIVE_INFINITY;
        Tensor x = CPU.fromFloats(f, DType.F32, 6, 50);
        double[] xv = Ref.values(x), ref = new double[xv.length];
        for (int r = 0; r < 6; r++) {
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int j = 0; j < 50; j++) m = Math.max(m, xv[r * 50 + j]);
            for (int j = 0; j < 50; j++) s += Math.exp(xv[r * 50 + j] - m);
            for (int j = 0; j < 50; j++) ref[r * 50 + j] = Math.exp(xv[r * 50 + j] - m) / s;
        }
        Tensor y = CPU.softmax(x);
        Ref.assertClose(ref, y, 1e-6);
        assertEquals(0f, y.toFloatArray()[3]);
        Tensor xt = Ref.randTransposed(13, 20, 30);
        Tensor s = CPU.sum(CPU.softmax(xt), -1, false);
        for (float v : s.toFloatArray()) assertEquals(1f, v, 1e-6f);
    }

    @Test void normWeightShapeIsChecked() {
        ShapeException e = assertThrows(ShapeException.class, () -> CPU.layerNorm(Ref.rand(1, 3, 8), Ref.rand(2, 7), null, 1e-6f));
        assertTrue(e.getMessage().contains("layerNorm") && e.getMessage().contains("[7]"), e.getMessage());
    }
}
