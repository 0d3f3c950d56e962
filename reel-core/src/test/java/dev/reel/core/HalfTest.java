package dev.reel.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Bit-exact checks of the 16-bit conversions against a reference written from the format definitions: a value
 * is scaled by its unit in the last place, rounded with {@link Math#rint} (ties to even) and reassembled.
 */
class HalfTest {

    /**
     * Round-to-nearest-even encoding of a finite float into a binary format with {@code mant} stored mantissa
     * bits and exponent bias {@code bias} (max exponent {@code bias}, min normal exponent {@code 1 - bias}).
     */
    static int encode(float f, int mant, int bias, int expBits) {
        int sign = Float.floatToRawIntBits(f) >>> 31 << (mant + expBits);
        double v = Math.abs((double) f);
        if (v == 0) return sign;
        int minExp = 1 - bias;
        int e = Math.max(Math.getExponent(v), minExp);
        double ulp = Math.scalb(1.0, e - mant);
        double q = Math.rint(v / ulp);            // exact: v/ulp has at most 24 significant bits
        double r = q * ulp;
        int infBits = ((1 << expBits) - 1) << mant;
        if (r >= Math.scalb(1.0, bias + 1)) return sign | infBits;
        int re = Math.getExponent(r);
        if (re < minExp) return sign | (int) (r / Math.scalb(1.0, minExp - mant)); // subnormal
        int m = (int) (r / Math.scalb(1.0, re - mant)) - (1 << mant);
        return sign | ((re + bias) << mant) | m;
    }

    /** Decodes bits of a binary format with {@code mant} mantissa bits, {@code expBits} exponent bits. */
    static double decode(int bits, int mant, int expBits) {
        int bias = (1 << (expBits - 1)) - 1;
        int sign = (bits >>> (mant + expBits)) & 1;
        int e = (bits >>> mant) & ((1 << expBits) - 1);
        int m = bits & ((1 << mant) - 1);
        double v;
        if (e == (1 << expBits) - 1) v = m == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        else if (e == 0) v = m * Math.scalb(1.0, 1 - bias - mant);
        else v = (1 + m / (double) (1 << mant)) * Math.scalb(1.0, e - bias);
        return sign == 1 ? -v : v;
    }

    static float[] edgeValues() {
        return new float[] {
            0f, -0f, 1f, -1f, 1.5f, 65504f, 65505f, 65519.99f, 65520f, 65536f, 1e5f, -1e5f,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
            0x1p-14f, 0x1p-24f, 0x1p-25f, 0x1.8p-25f, 0x1p-26f, 0x1.ffcp-15f, 0x1.ffep-15f, 6e-8f, 3e-8f,
            Float.intBitsToFloat(0x3f808000), // exactly half-way between bf16 1.0 and 1.0078125: ties to even (down)
            Float.intBitsToFloat(0x3f818000), // half-way, odd lower neighbour: ties to even (up)
            Float.intBitsToFloat(0x3f808001), // just above half-way: up
            Float.intBitsToFloat(0x7f7f8000), // half-way between bf16 max finite and 2^128: rounds to Inf
            Float.intBitsToFloat(0x7f7f7fff), // just below: stays max finite 0x7f7f
            1.0009765625f, 1.00048828125f, 1.00146484375f, // f16 ulp at 1 is 2^-10: exact, tie-even-down, tie-even-up
            0x1.0p-133f, 0x1.0p-134f, 0x1.8p-133f, // bf16 subnormals and ties
            (float) Math.PI, (float) -Math.E, 1e-40f, -1e-45f,
        };
    }

    @Test void bf16RoundingIsBitExact() {
        Random r = new Random(1);
        float[] edges = edgeValues();
        for (int i = 0; i < edges.length + 200_000; i++) {
            float f = i < edges.length ? edges[i] : Float.intBitsToFloat(r.nextInt());
            if (Float.isNaN(f)) continue;
            int expect = Float.isInfinite(f) ? (f > 0 ? 0x7f80 : 0xff80) : encode(f, 7, 127, 8);
            assertEquals(expect, Half.floatToBf16(f) & 0xffff, "bf16 of " + f + " (" + Integer.toHexString(Float.floatToRawIntBits(f)) + ")");
        }
        assertEquals(0x7f80, Half.floatToBf16(Float.POSITIVE_INFINITY) & 0xffff);
        assertEquals(0xff80, Half.floatToBf16(Float.NEGATIVE_INFINITY) & 0xffff);
        assertEquals(0x7f7f, Half.floatToBf16(Float.MAX_VALUE - Math.ulp(Float.MAX_VALUE) * 0x8000) & 0xffff);
    }

    @Test void bf16NaNStaysQuietNaNWithSign() {
        for (int bits : new int[] {0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fffffff}) {
            short h = Half.floatToBf16(Float.intBitsToFloat(bits));
            assertEquals(0x7f80, h & 0x7f80, "exponent all ones");
            assertTrue((h & 0x40) != 0, "quiet bit set");
            assertEquals(bits >>> 31, (h >>> 15) & 1, "sign kept");
            assertTrue(Float.isNaN(Half.bf16ToFloat(h)));
        }
    }

    @Test void bf16DecodeIsExactForAllPatterns() {
        for (int b = 0; b < 0x10000; b++) {
            double expect = decode(b, 7, 8);
            float got = Half.bf16ToFloat((short) b);
            if (Double.isNaN(expect)) assertTrue(Float.isNaN(got));
            else {
                assertEquals(expect, got, 0.0, "bf16 0x" + Integer.toHexString(b));
                assertEquals(b >>> 15, Float.floatToRawIntBits(got) >>> 31, "sign of 0x" + Integer.toHexString(b));
            }
        }
    }

    @Test void f16RoundingIsBitExact() {
        Random r = new Random(2);
        float[] edges = edgeValues();
        for (int i = 0; i < edges.length + 200_000; i++) {
            float f;
            if (i < edges.length) f = edges[i];
            else if (i % 2 == 0) f = Float.intBitsToFloat(r.nextInt());
            else f = (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(50) - 30)); // concentrate on f16's range
            if (Float.isNaN(f)) continue;
            int expect = Float.isInfinite(f) ? (f > 0 ? 0x7c00 : 0xfc00) : encode(f, 10, 15, 5);
            assertEquals(expect, Half.floatToF16(f) & 0xffff, "f16 of " + f + " (" + Integer.toHexString(Float.floatToRawIntBits(f)) + ")");
        }
        assertEquals(0x7bff, Half.floatToF16(65504f) & 0xffff);          // max finite
        assertEquals(0x7bff, Half.floatToF16(65519.99f) & 0xffff);       // below the half-way point
        assertEquals(0x7c00, Half.floatToF16(65520f) & 0xffff);          // half-way to 2^16 rounds to Inf (even)
        assertEquals(0x0001, Half.floatToF16(0x1p-24f) & 0xffff);        // smallest subnormal
        assertEquals(0x0000, Half.floatToF16(0x1p-25f) & 0xffff);        // tie to even: 0
        assertEquals(0x0002, Half.floatToF16(0x1.8p-24f) & 0xffff);      // 1.5 ulp: tie to even: 2
        assertEquals(0x8000, Half.floatToF16(-0f) & 0xffff);
        assertTrue(Float.isNaN(Half.f16ToFloat(Half.floatToF16(Float.NaN))));
        short negNaN = Half.floatToF16(Float.intBitsToFloat(0xffc00000));
        assertEquals(0xfc00, negNaN & 0xfc00);
        assertTrue((negNaN & 0x3ff) != 0);
    }

    @Test void f16DecodeIsExactForAllPatterns() {
        for (int b = 0; b < 0x10000; b++) {
            double expect = decode(b, 10, 5);
            float got = Half.f16ToFloat((short) b);
            if (Double.isNaN(expect)) assertTrue(Float.isNaN(got));
            else {
                assertEquals(expect, got, 0.0, "f16 0x" + Integer.toHexString(b));
                assertEquals(b >>> 15, Float.floatToRawIntBits(got) >>> 31);
            }
        }
    }

    @Test void roundTripThroughTensors() {
        Backend cpu = Backends.cpu();
        float[] v = {1.00390625f, 65520f, -0x1p-25f, 3.14159f};
        Tensor t = cpu.fromFloats(v, DType.BF16, 4);
        float[] back = t.to(DType.F32).toFloatArray();
        for (int i = 0; i < v.length; i++) assertEquals(Half.bf16ToFloat(Half.floatToBf16(v[i])), back[i], 0f);
        Tensor h = cpu.fromFloats(v, DType.F16, 4).to(DType.F32);
        float[] hb = h.toFloatArray();
        assertEquals(Float.POSITIVE_INFINITY, hb[1]);
        assertEquals(-0f, hb[2], 0f);
        assertEquals(0x80000000, Float.floatToRawIntBits(hb[2]));
    }
}
