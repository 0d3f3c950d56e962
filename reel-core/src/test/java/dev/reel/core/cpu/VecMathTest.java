package dev.reel.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class VecMathTest {

    private static float[] exp(float[] x) {
        float[] y = new float[x.length];
        int l = VecMath.S.length();
        for (int i = 0; i + l <= x.length; i += l) VecMath.exp(FloatVector.fromArray(VecMath.S, x, i)).intoArray(y, i);
        return y;
    }

    @Test void expWithinTwoUlpOverTheNormalRange() {
        int n = 1 << 16;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -87.3f + (87.3f + 88.72f) * i / n;
        float[] y = exp(x);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double ref = Math.exp(x[i]);
            double ulps = Math.abs(y[i] - ref) / Math.ulp((float) ref);
            worst = Math.max(worst, ulps);
        }
        assertTrue(worst <= 2, "worst error " + worst + " ulp");
    }

    @Test void expEdges() {
        int l = VecMath.S.length();
        float[] x = new float[l];
        x[0] = Float.NEGATIVE_INFINITY;
        if (l > 1) x[1] = -1e9f;
        if (l > 2) x[2] = 0f;
        if (l > 3) x[3] = Float.NaN;
        float[] y = exp(x);
        assertEquals(0f, y[0]);
        if (l > 1) assertEquals(0f, y[1]);
        if (l > 2) assertEquals(1f, y[2]);
        if (l > 3) assertTrue(Float.isNaN(y[3]));
        float[] z = new float[l];
        z[0] = 89f;
        if (l > 1) z[1] = -100f;
        if (l > 2) z[2] = -105f;
        if (l > 3) z[3] = 88.7f;
        float[] w = exp(z);
        assertEquals(Float.POSITIVE_INFINITY, w[0]);
        if (l > 1) assertEquals(Math.exp(-100), w[1], 2 * Float.MIN_VALUE, "subnormal result");
        if (l > 2) assertEquals(0f, w[2]);
        if (l > 3) assertEquals((float) Math.exp(88.7f), w[3], 2 * Math.ulp(w[3]));
    }
}
