package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Causal time padding and chunked processing through the feature cache, against a float64 convolution. */
class WanCausalConv3dTest {
    private static final int CIN = 2, COUT = 3, T = 6, H = 4, W = 3;
    private final Backend cpu = Backends.cpu();
    private final Random rnd = new Random(7);

    @Test
    void wholeVideoEqualsCausalReference() {
        float[] x = randn(CIN * T * H * W), w = randn(COUT * CIN * 27), bias = randn(COUT);
        WanCausalConv3d conv = conv(w, bias);
        Tensor out = conv.forward(cpu.fromFloats(x, DType.F32, 1, CIN, T, H, W));
        assertArrayEquals(new int[] {1, COUT, T, H, W}, out.shape());
        double err = Compare.relErr(out.toFloatArray(), reference(x, w, bias));
        assertTrue(err < 1e-6, "rel err " + err);
    }

    @Test
    void chunksThroughTheCacheEqualTheWholeVideo() {
        float[] x = randn(CIN * T * H * W), w = randn(COUT * CIN * 27), bias = randn(COUT);
        WanCausalConv3d conv = conv(w, bias);
        Tensor video = cpu.fromFloats(x, DType.F32, 1, CIN, T, H, W);
        WanFeatureCache cache = new WanFeatureCache();
        List<Tensor> outs = new ArrayList<>();
        int start = 0;
        for (int len : new int[] {1, 2, 1, 1, 1}) { // single frames exercise the "previous last frame" rule
            cache.beginChunk();
            outs.add(conv.forward(video.narrow(2, start, len), cache));
            start += len;
        }
        Tensor out = cpu.concat(2, outs.toArray(Tensor[]::new));
        double err = Compare.relErr(out.toFloatArray(), reference(x, w, bias));
        assertTrue(err < 1e-6, "rel err " + err);
        cache.clear();
    }

    private WanCausalConv3d conv(float[] w, float[] bias) {
        WanCausalConv3d conv = new WanCausalConv3d(CIN, COUT, 3, 1);
        conv.weight.set(cpu.fromFloats(w, DType.F32, COUT, CIN, 3, 3, 3));
        conv.bias.set(cpu.fromFloats(bias, DType.F32, COUT));
        return conv;
    }

    /** out[o,t,h,w] = b[o] + Σ w[o,i,a,b,c]·x[i, t+a−2, h+b−1, w+c−1], zero outside (two frames before t=0). */
    private static float[] reference(float[] x, float[] w, float[] bias) {
        float[] out = new float[COUT * T * H * W];
        for (int o = 0; o < COUT; o++)
            for (int t = 0; t < T; t++)
                for (int h = 0; h < H; h++)
                    for (int q = 0; q < W; q++) {
                        double s = bias[o];
                        for (int i = 0; i < CIN; i++)
                            for (int a = 0; a < 3; a++)
                                for (int b = 0; b < 3; b++)
                                    for (int c = 0; c < 3; c++) {
                                        int tt = t + a - 2, hh = h + b - 1, ww = q + c - 1;
                                        if (tt < 0 || hh < 0 || hh >= H || ww < 0 || ww >= W) continue;
                                        s += (double) w[(((o * CIN + i) * 3 + a) * 3 + b) * 3 + c] * x[((i * T + tt) * H + hh) * W + ww];
                                    }
                        out[((o * T + t) * H + h) * W + q] = (float) s;
                    }
        return out;
    }

    private float[] randn(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }
}
