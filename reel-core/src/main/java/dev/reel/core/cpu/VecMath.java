package dev.reel.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector transcendental functions for hot loops, cheaper than the library's and accurate to a few ulp. */
final class VecMath {
    private VecMath() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** 1.5·2²³: adding it rounds a float of magnitude below 2²² to an integer, which lands in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);

    /**
     * The sum of {@code v}'s lanes, in lane order. {@code reduceLanes(ADD)} leaves the order to the implementation,
     * and the interpreter and C2 use different ones, so a result would change as the JIT compiles a loop; training's
     * resume must repeat a run bit for bit.
     */
    static float sumLanes(FloatVector v) {
        float[] lanes = v.toArray();
        float s = 0;
        for (float x : lanes) s += x;
        return s;
    }

    /**
     * e^x to about 2 ulp: x = n·ln2 + r with |r| ≤ ln2/2, e^r by Cephes' degree-6 minimax polynomial, 2ⁿ applied
     * as two factors 2^⌊n/2⌋·2^(n−⌊n/2⌋) so that results from the subnormal range up to overflow (+∞ above
     * ~88.72) come out right. Below −104 the result is 0, so masked scores (−∞, −1e9) vanish; NaN stays NaN.
     */
    static FloatVector exp(FloatVector x) {
        var under = x.compare(VectorOperators.LT, -104f);
        FloatVector xc = x.max(-104f).min(89f);
        FloatVector t = xc.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUND));
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = r.fma(FloatVector.broadcast(S, 1.9875691500e-4f), FloatVector.broadcast(S, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        p = p.fma(r.mul(r), r).add(1f);
        IntVector ni = t.reinterpretAsInts().sub(ROUND_BITS);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1), n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2).blend(0f, under);
    }
}
