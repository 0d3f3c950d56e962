package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TimestepsTest {

    /** Float64 reference of Diffusers' get_timestep_embedding(flip_sin_to_cos=True, downscale_freq_shift=0). */
    private static double[] reference(double t, int dim) {
        int half = dim / 2;
        double[] out = new double[dim];
        for (int i = 0; i < half; i++) {
            double f = Math.exp(-Math.log(10000.0) * i / half);
            out[i] = Math.cos(t * f);
            out[half + i] = Math.sin(t * f);
        }
        return out;
    }

    @Test
    void matchesAFloat64Reference() {
        int dim = 256;
        float[] ts = {999f, 312.5f, 0f, 1f, 500.25f};
        float[] got = new Timesteps(dim).embed(ts);
        assertEquals(ts.length * dim, got.length);
        double maxErr = 0;
        for (int b = 0; b < ts.length; b++) {
            double[] ref = reference(ts[b], dim);
            for (int i = 0; i < dim; i++) maxErr = Math.max(maxErr, Math.abs(got[b * dim + i] - ref[i]));
        }
        // float32 rounding of the argument t·f (|t·f| < 1000) bounds the difference by about 1e-4
        assertEquals(0, maxErr, 1e-4);
        System.out.printf("timestep embedding max |err| vs float64: %.3g%n", maxErr);
    }

    @Test
    void zeroTimestepIsCosinesOneSinesZero() {
        float[] e = new Timesteps(8).embed(new float[] {0f});
        assertEquals(1f, e[0]);
        assertEquals(1f, e[3]);
        assertEquals(0f, e[4]);
        assertEquals(0f, e[7]);
    }
}
