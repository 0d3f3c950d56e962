package dev.reel.core.cpu;

import static dev.reel.core.cpu.Ref.CPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import org.junit.jupiter.api.Test;

class CpuAttentionTest {

    /** softmax(q·kᵀ·scale + bias)·v in float64 with the full score matrix. */
    static double[] refAttention(Tensor q, Tensor k, Tensor v, Tensor bias, double scale) {
        int b = q.size(0), h = q.size(1), lq = q.size(2), d = q.size(3), lk = k.size(2), dv = v.size(3);
        double[] qv = Ref.values(q), kv = Ref.values(k), vv = Ref.values(v);
        double[] bv = bias == null ? null : Ref.values(bias);
        int[] bs = bias == null ? null : bias.shape();
        double[] out = new double[b * h * lq * dv];
        double[] s = new double[lk];
        for (int n = 0; n < b; n++)
            for (int hh = 0; hh < h; hh++)
                for (int i = 0; i < lq; i++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < lk; j++) {
                        double dot = 0;
                        for (int c = 0; c < d; c++) dot += qv[((n * h + hh) * lq + i) * d + c] * kv[((n * h + hh) * lk + j) * d + c];
                        s[j] = dot * scale + (bv == null ? 0 : bv[Ref.bcastIndex(new int[] {n, hh, i, j}, bs)]);
                        m = Math.max(m, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < lk; j++) { s[j] = Math.exp(s[j] - m); sum += s[j]; }
                    for (int c = 0; c < dv; c++) {
                        double acc = 0;
                        for (int j = 0; j < lk; j++) acc += s[j] * vv[((n * h + hh) * lk + j) * dv + c];
                        out[((n * h + hh) * lq + i) * dv + c] = acc / sum;
                    }
                }
        return out;
    }

    @Test void attentionMatchesReference() {
        Tensor q = Ref.rand(1, 2, 3, 37, 16), k = Ref.rand(2, 2, 3, 300, 16), v = Ref.rand(3, 2, 3, 300, 24);
        Tensor y = CPU.attention(q, k, v, null, 0.25f);
        assertArrayEquals(new int[] {2, 3, 37, 24}, y.shape());
        Ref.assertClose(refAttention(q, k, v, null, 0.25), y, 1e-6);
    }

    @Test void attentionAcrossQueryAndKeyTiles() {
        // Lq spans two query tiles with a ragged end, Lk a ragged key block, odd head dims
        Tensor q = Ref.rand(21, 1, 2, 150, 20), k = Ref.rand(22, 1, 2, 333, 20), v = Ref.rand(23, 1, 2, 333, 19);
        Ref.assertClose(refAttention(q, k, v, null, 0.2), CPU.attention(q, k, v, null, 0.2f), 1e-6);
        Tensor bias = Ref.randTransposed(24, 1, 1, 333, 150).transpose(2, 3); // [1, 1, 150, 333], non-unit key stride
        Ref.assertClose(refAttention(q, k, v, bias, 0.2), CPU.attention(q, k, v, bias, 0.2f), 1e-6);
    }

    @Test void fullyMaskedRowGivesNaNLikeTorch() {
        Tensor q = Ref.rand(25, 1, 1, 3, 8), k = Ref.rand(26, 1, 1, 5, 8), v = Ref.rand(27, 1, 1, 5, 8);
        float[] mask = new float[3 * 5];
        for (int j = 0; j < 5; j++) mask[5 + j] = Float.NEGATIVE_INFINITY; // query 1 sees no key
        mask[2] = Float.NEGATIVE_INFINITY;
        Tensor bias = CPU.fromFloats(mask, dev.reel.core.DType.F32, 3, 5);
        float[] y = CPU.attention(q, k, v, bias, 1f).toFloatArray();
        for (int c = 0; c < 8; c++) assertTrue(Float.isNaN(y[8 + c]));
        double[] ref = refAttention(q.narrow(2, 0, 1), k, v, bias.narrow(0, 0, 1), 1.0);
        for (int c = 0; c < 8; c++) assertTrue(Math.abs(y[c] - ref[c]) < 1e-6, "row 0");
    }

    @Test void attentionOnSequenceMajorViews() {
        // Wan lays q/k/v out as [B, L, H, D] and transposes to [B, H, L, D]: strided views, unit stride on D
        Tensor q = Ref.rand(4, 1, 50, 2, 64).transpose(1, 2), k = Ref.rand(5, 1, 129, 2, 64).transpose(1, 2), v = Ref.rand(6, 1, 129, 2, 64).transpose(1, 2);
        Ref.assertClose(refAttention(q, k, v, null, 0.125), CPU.attention(q, k, v, null, 0.125f), 1e-6);
        Tensor kt = Ref.randTransposed(7, 1, 2, 64, 129).transpose(2, 3); // D not unit-stride
        Ref.assertClose(refAttention(q, kt, v, null, 0.125), CPU.attention(q, kt, v, null, 0.125f), 1e-6);
    }

    @Test void attentionWithBroadcastBiasAndMask() {
        Tensor q = Ref.rand(8, 1, 2, 20, 8), k = Ref.rand(9, 1, 2, 260, 8), v = Ref.rand(10, 1, 2, 260, 8);
        float[] mask = new float[260];
        for (int j = 150; j < 260; j++) mask[j] = -1e9f; // padded keys
        Tensor bias = CPU.fromFloats(mask, dev.reel.core.DType.F32, 1, 1, 1, 260);
        Ref.assertClose(refAttention(q, k, v, bias, 1.0), CPU.attention(q, k, v, bias, 1f), 1e-6);
        Tensor full = Ref.rand(11, 2, 20, 260); // [H, Lq, Lk] broadcast over B
        Ref.assertClose(refAttention(q, k, v, full, 0.3), CPU.attention(q, k, v, full, 0.3f), 1e-6);
    }

    @Test void attentionLargeScoresStayFinite() {
        // scores reach ~±300: exp overflows float without the running-max shift; the fp32 dot's own
        // rounding (~1e-5 absolute on such scores) bounds the attainable agreement
        Tensor q = CPU.scale(Ref.rand(12, 1, 1, 10, 32), 30f), k = Ref.rand(13, 1, 1, 200, 32), v = Ref.rand(14, 1, 1, 200, 32);
        Ref.assertClose(refAttention(q, k, v, null, 1.0), CPU.attention(q, k, v, null, 1f), 1e-4);
    }

    @Test void attentionRejectsMismatchedShapes() {
        ShapeException e = assertThrows(ShapeException.class, () -> CPU.attention(Ref.rand(1, 1, 2, 4, 8), Ref.rand(2, 1, 2, 4, 7), Ref.rand(3, 1, 2, 4, 8), null, 1f));
        assertTrue(e.getMessage().contains("attention"), e.getMessage());
        assertThrows(ShapeException.class, () -> CPU.attention(Ref.rand(1, 1, 2, 4, 8), Ref.rand(2, 1, 2, 5, 8), Ref.rand(3, 1, 2, 5, 8), Ref.rand(4, 3, 5), 1f));
    }
}
