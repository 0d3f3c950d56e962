package dev.reel.core;

/**
 * Exact conversions between float and the 16-bit formats, rounding to nearest-even as PyTorch's
 * {@code .to(torch.bfloat16)} / {@code .to(torch.float16)} do.
 */
public final class Half {
    private Half() {}

    /** float → bfloat16 bits, round-to-nearest-even; NaN stays a quiet NaN with its sign. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 0x0040);
        int lsb = (bits >>> 16) & 1;
        bits += 0x7fff + lsb;
        return (short) (bits >>> 16);
    }

    /** bfloat16 bits → float (exact). */
    public static float bf16ToFloat(short h) {
        return Float.intBitsToFloat((h & 0xffff) << 16);
    }

    /** float → IEEE half bits, round-to-nearest-even (the JDK's conversion is exact RNE). */
    public static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }

    /** IEEE half bits → float (exact). */
    public static float f16ToFloat(short h) {
        return Float.float16ToFloat(h);
    }

    /** float8 e4m3fn bits → float (exact; no infinities, 0x7f/0xff are NaN). */
    public static float f8e4m3ToFloat(byte b) {
        int v = b & 0xff;
        int sign = (v & 0x80) != 0 ? -1 : 1;
        int exp = (v >>> 3) & 0xf;
        int man = v & 0x7;
        if (exp == 0xf && man == 0x7) return Float.NaN;
        if (exp == 0) return sign * man * 0x1p-9f;
        return sign * (1 + man / 8f) * (float) Math.scalb(1.0, exp - 7);
    }
}
