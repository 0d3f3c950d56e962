package dev.reel.core;

import java.util.stream.IntStream;

/**
 * Seeded uniform values that any backend draws where its tensor lives: element {@code i} is {@code offset} plus what
 * the {@code (i+1)}-th {@code new java.util.SplittableRandom(seed).nextDouble(lo, hi)} returns, rounded to float.
 * SplittableRandom's stream is SplitMix64 over {@code seed + (i+1)·γ}, so each element follows from its index alone:
 * a GPU fills a tensor in parallel with exactly the values a host loop over SplittableRandom would give (the CUDA
 * kernel {@code misc.cu: random_uniform} mirrors {@link #value}; the tests hold both to SplittableRandom itself).
 */
public final class SeededUniform {
    /** SplittableRandom's golden gamma, the step of its seed. */
    public static final long GAMMA = 0x9e3779b97f4a7c15L;
    private static final int CHUNK = 1 << 16;

    private SeededUniform() {}

    /** Element {@code i}: {@code (float) (offset + SplittableRandom(seed)'s (i+1)-th nextDouble(lo, hi))}. */
    public static float value(long seed, long i, double lo, double hi, double offset) {
        long z = seed + (i + 1) * GAMMA;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        z ^= z >>> 31;
        double r = (z >>> 11) * 0x1.0p-53 * (hi - lo) + lo;
        if (r >= hi) r = Math.nextDown(hi);   // as SplittableRandom: the bound is exclusive
        return (float) (offset + r);
    }

    /** The first {@code n} elements, drawn in parallel. */
    public static float[] values(long seed, int n, double lo, double hi, double offset) {
        float[] v = new float[n];
        IntStream.range(0, (n + CHUNK - 1) / CHUNK).parallel().forEach(c -> {
            for (int i = c * CHUNK, end = Math.min(n, i + CHUNK); i < end; i++) v[i] = value(seed, i, lo, hi, offset);
        });
        return v;
    }
}
