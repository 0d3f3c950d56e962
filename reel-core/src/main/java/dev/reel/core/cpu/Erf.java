package dev.reel.core.cpu;

/**
 * The error function in double precision (relative error below 1e-13): the Maclaurin series for |x| < 2.5,
 * where its alternating terms stay small, and the continued fraction of erfc beyond, where it converges fast.
 */
final class Erf {
    private Erf() {}

    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
    private static final double SPLIT = 2.5;

    /** erf(x). */
    static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        double r = ax < SPLIT ? series(ax) : 1 - erfcTail(ax);
        return x < 0 ? -r : r;
    }

    /** erfc(x) = 1 − erf(x), accurate relative to itself also where it is tiny (large x). */
    static double erfc(double x) {
        if (Double.isNaN(x)) return x;
        if (x >= SPLIT) return erfcTail(x);
        if (x > -SPLIT) return 1 - (x < 0 ? -series(-x) : series(x));
        return 2 - erfcTail(-x);
    }

    /** erf(x) for 0 ≤ x < 2.5: 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1)). */
    private static double series(double x) {
        double x2 = x * x;
        double term = x;   // (−1)ⁿ x^(2n+1) / n!
        double sum = x;
        for (int n = 1; n < 100; n++) {
            term *= -x2 / n;
            double t = term / (2 * n + 1);
            sum += t;
            if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
        }
        return TWO_OVER_SQRT_PI * sum;
    }

    /** erfc(x) for x ≥ 2.5: e^(−x²)/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail. */
    private static double erfcTail(double x) {
        if (x > 27) return 0;
        double t = x;
        for (int n = 60; n >= 1; n--) t = x + (n * 0.5) / t;
        return Math.exp(-x * x) * INV_SQRT_PI / t;
    }
}
