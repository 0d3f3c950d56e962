package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.fixtures.Compare;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The VAE's channel RMS norm against a float64 {@code F.normalize(x, dim=1) · √C · γ + β}. */
class WanRMSNormTest {
    private final Backend cpu = Backends.cpu();

    @Test
    void normalisesOverChannelsWithGammaAndBias() {
        int b = 2, c = 5, t = 3, h = 2, w = 2, pos = t * h * w;
        Random rnd = new Random(11);
        float[] x = new float[b * c * pos], gamma = new float[c], beta = new float[c];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * 3);
        for (int i = 0; i < c; i++) { gamma[i] = (float) (1 + rnd.nextGaussian() * 0.2); beta[i] = (float) rnd.nextGaussian(); }
        for (int ch = 0; ch < c; ch++) x[ch * pos] = 0; // an all-zero position: F.normalize's floor keeps it 0 (+β)

        WanRMSNorm norm = new WanRMSNorm(c, false, true);
        norm.gamma.set(cpu.fromFloats(gamma, DType.F32, c, 1, 1, 1));
        norm.bias.set(cpu.fromFloats(beta, DType.F32, c, 1, 1, 1));
        float[] out = norm.forward(cpu.fromFloats(x, DType.F32, b, c, t, h, w)).toFloatArray();

        float[] ref = new float[x.length];
        for (int n = 0; n < b; n++)
            for (int p = 0; p < pos; p++) {
                double ss = 0;
                for (int ch = 0; ch < c; ch++) ss += Math.pow(x[(n * c + ch) * pos + p], 2);
                double inv = 1.0 / Math.max(Math.sqrt(ss), 1e-12);
                for (int ch = 0; ch < c; ch++) {
                    int i = (n * c + ch) * pos + p;
                    ref[i] = (float) (x[i] * inv * Math.sqrt(c) * gamma[ch] + beta[ch]);
                }
            }
        double err = Compare.relErr(out, ref);
        assertTrue(err < 1e-6, "rel err " + err);
        assertEquals(beta[0], out[0], 0f);
    }
}
