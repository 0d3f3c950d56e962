package dev.reel.core.cpu;

import static dev.reel.core.cpu.Ref.CPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.reel.core.Backend;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import org.junit.jupiter.api.Test;

/** The fused overrides against float64 loops and against the interface's composed defaults. */
class CpuFusedTest {

    /** The interface defaults, composed from the CPU primitives. */
    private static final Backend COMPOSED = new Backend() {
        @Override public dev.reel.core.Device device() { return CPU.device(); }
        @Override public dev.reel.core.MemoryStats memoryStats() { return CPU.memoryStats(); }
        @Override public void resetPeakMemory() { CPU.resetPeakMemory(); }
        @Override public Tensor empty(dev.reel.core.DType t, int... s) { return CPU.empty(t, s); }
        @Override public Tensor zeros(dev.reel.core.DType t, int... s) { return CPU.zeros(t, s); }
        @Override public Tensor full(float v, dev.reel.core.DType t, int... s) { return CPU.full(v, t, s); }
        @Override public Tensor fromFloats(float[] d, dev.reel.core.DType t, int... s) { return CPU.fromFloats(d, t, s); }
        @Override public Tensor fromSegment(java.lang.foreign.MemorySegment m, dev.reel.core.DType a, dev.reel.core.DType b, int... s) { return CPU.fromSegment(m, a, b, s); }
        @Override public float[] toFloatArray(Tensor t) { return CPU.toFloatArray(t); }
        @Override public Tensor copyFrom(Tensor t) { return CPU.copyFrom(t); }
        @Override public Tensor contiguous(Tensor t) { return CPU.contiguous(t); }
        @Override public Tensor cast(Tensor t, dev.reel.core.DType d) { return CPU.cast(t, d); }
        @Override public void copyInto(Tensor d, Tensor s) { CPU.copyInto(d, s); }
        @Override public Tensor add(Tensor a, Tensor b) { return CPU.add(a, b); }
        @Override public Tensor sub(Tensor a, Tensor b) { return CPU.sub(a, b); }
        @Override public Tensor mul(Tensor a, Tensor b) { return CPU.mul(a, b); }
        @Override public Tensor div(Tensor a, Tensor b) { return CPU.div(a, b); }
        @Override public Tensor scale(Tensor a, float s) { return CPU.scale(a, s); }
        @Override public Tensor addScalar(Tensor a, float s) { return CPU.addScalar(a, s); }
        @Override public Tensor unary(Unary op, Tensor a) { return CPU.unary(op, a); }
        @Override public Tensor matmul(Tensor a, Tensor b) { return CPU.matmul(a, b); }
        @Override public Tensor linear(Tensor x, Tensor w, Tensor b) { return CPU.linear(x, w, b); }
        @Override public Tensor conv3d(Tensor x, Tensor w, Tensor b, int[] s, int[] p) { return CPU.conv3d(x, w, b, s, p); }
        @Override public Tensor conv2d(Tensor x, Tensor w, Tensor b, int[] s, int[] p) { return CPU.conv2d(x, w, b, s, p); }
        @Override public Tensor layerNorm(Tensor x, Tensor w, Tensor b, float e) { return CPU.layerNorm(x, w, b, e); }
        @Override public Tensor rmsNorm(Tensor x, Tensor w, float e) { return CPU.rmsNorm(x, w, e); }
        @Override public Tensor groupNorm(Tensor x, int g, Tensor w, Tensor b, float e) { return CPU.groupNorm(x, g, w, b, e); }
        @Override public Tensor softmax(Tensor x) { return CPU.softmax(x); }
        @Override public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor b, float s) { return CPU.attention(q, k, v, b, s); }
        @Override public Tensor sum(Tensor x, int d, boolean k) { return CPU.sum(x, d, k); }
        @Override public Tensor mean(Tensor x, int d, boolean k) { return CPU.mean(x, d, k); }
        @Override public Tensor max(Tensor x, int d, boolean k) { return CPU.max(x, d, k); }
        @Override public Tensor norm(Tensor x, int d, boolean k) { return CPU.norm(x, d, k); }
        @Override public Tensor concat(int d, Tensor... xs) { return CPU.concat(d, xs); }
        @Override public Tensor pad(Tensor x, int[] p, float v) { return CPU.pad(x, p, v); }
        @Override public Tensor embedding(Tensor w, int[] ids, int... s) { return CPU.embedding(w, ids, s); }
        @Override public Tensor upsampleNearest2x(Tensor x) { return CPU.upsampleNearest2x(x); }
    };

    @Test void modulateAndGatedResidualBroadcast() {
        Tensor x = Ref.randTransposed(1, 2, 7, 40), shift = Ref.rand(2, 2, 1, 40), scale = Ref.randNarrowed(3, 2, 1, 40);
        double[] xv = Ref.values(x), sh = Ref.values(shift), sc = Ref.values(scale);
        double[] mod = new double[xv.length], gr = new double[xv.length];
        for (int b = 0; b < 2; b++)
            for (int l = 0; l < 7; l++)
                for (int d = 0; d < 40; d++) {
                    int i = (b * 7 + l) * 40 + d, p = b * 40 + d;
                    mod[i] = xv[i] * (1 + sc[p]) + sh[p];
                    gr[i] = xv[i] + sh[i % 40 + b * 40] * sc[p];
                }
        Ref.assertClose(mod, CPU.modulate(x, shift, scale), 1e-7);
        Ref.assertClose(Ref.values(COMPOSED.modulate(x, shift, scale)), CPU.modulate(x, shift, scale), 1e-7);
        Tensor y = shift.expand(2, 7, 40);
        Ref.assertClose(gr, CPU.gatedResidual(x, y, scale), 1e-7);
        Ref.assertClose(Ref.values(COMPOSED.gatedResidual(x, y, scale)), CPU.gatedResidual(x, y, scale), 1e-7);
        assertThrows(ShapeException.class, () -> CPU.modulate(x, Ref.rand(4, 3, 1, 40), scale));
    }

    @Test void linearGeluTanhMatchesTheComposition() {
        for (int rows : new int[] {3, 70}) { // the unpacked and the packed GEMM path
            Tensor x = Ref.rand(9, rows, 48), w = Ref.rand(10, 37, 48), b = Ref.rand(11, 37);
            double[] lin = CpuLinalgTest.refLinear(x, w, b), ref = new double[lin.length];
            for (int i = 0; i < lin.length; i++)
                ref[i] = 0.5 * lin[i] * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (lin[i] + 0.044715 * Math.pow(lin[i], 3))));
            Tensor y = CPU.linearGeluTanh(x, w, b);
            Ref.assertClose(ref, y, 1e-6);
            Ref.assertClose(Ref.values(COMPOSED.linearGeluTanh(x, w, b)), y, 1e-7);
            Ref.assertClose(Ref.values(CPU.geluTanh(CPU.linear(x, w, null))), CPU.linearGeluTanh(x, w, null), 0);
        }
    }

    @Test void ropeRotatesInterleavedPairs() {
        int b = 2, len = 5, h = 3, d = 8;
        Tensor x = Ref.rand(5, b, h, len, d).transpose(1, 2); // [B, L, H, D] as a strided view
        Tensor cos = Ref.rand(6, len, d / 2), sin = Ref.rand(7, len, d / 2);
        double[] xv = Ref.values(x), cv = Ref.values(cos), sv = Ref.values(sin), ref = new double[xv.length];
        for (int r = 0; r < b * len * h; r++) {
            int l = (r / h) % len;
            for (int i = 0; i < d / 2; i++) {
                double x1 = xv[r * d + 2 * i], x2 = xv[r * d + 2 * i + 1], c = cv[l * d / 2 + i], s = sv[l * d / 2 + i];
                ref[r * d + 2 * i] = x1 * c - x2 * s;
                ref[r * d + 2 * i + 1] = x1 * s + x2 * c;
            }
        }
        Tensor y = CPU.rope(x, cos, sin);
        assertArrayEquals(new int[] {b, len, h, d}, y.shape());
        Ref.assertClose(ref, y, 1e-7);
        Ref.assertClose(Ref.values(COMPOSED.rope(x, cos, sin)), y, 1e-7);
        assertThrows(ShapeException.class, () -> CPU.rope(x, Ref.rand(8, len, d), sin));
    }
}
