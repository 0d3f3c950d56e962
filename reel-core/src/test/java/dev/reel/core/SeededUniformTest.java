package dev.reel.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link SeededUniform} against SplittableRandom itself, the stream it promises to reproduce element by element. */
class SeededUniformTest {
    @Test
    void eachElementIsSplittableRandomsDrawAtItsIndex() {
        double[][] ranges = {{-0.025515518153991442, 0.025515518153991442, 0}, {-0.02, 0.02, 0}, {-0.1, 0.1, 1.0}, {-3, -1e-3, 0}, {0, 1e-300, 0}};
        for (long seed : new long[] {0, 42, -7, 42 ^ "blocks.0.attn1.to_q.weight".hashCode() * SeededUniform.GAMMA}) {
            for (double[] r : ranges) {
                SplittableRandom rnd = new SplittableRandom(seed);
                int n = 200_003;
                float[] v = SeededUniform.values(seed, n, r[0], r[1], r[2]);
                for (int i = 0; i < n; i++) {
                    float expected = (float) (r[2] + rnd.nextDouble(r[0], r[1]));
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(v[i]), "seed " + seed + " element " + i);
                }
                assertEquals(v[n - 1], SeededUniform.value(seed, n - 1, r[0], r[1], r[2]));
            }
        }
    }
}
