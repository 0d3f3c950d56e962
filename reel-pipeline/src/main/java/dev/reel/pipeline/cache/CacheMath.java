package dev.reel.pipeline.cache;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;

/** The few reductions the strategies measure with, computed on the tensors' device in fp32. */
final class CacheMath {
    private CacheMath() {}

    /** Row length of the two-stage mean: a GPU reduces each row in one block, so long tensors are cut into rows. */
    private static final int ROW = 4096;

    /** {@code mean(|t|)} over every element. */
    static double meanAbs(Tensor t) {
        try (Scope s = Scope.open()) {
            Backend b = t.backend();
            Tensor a = b.unary(Backend.Unary.ABS, t.to(DType.F32).contiguous());
            return mean(b, a);
        }
    }

    /** The mean of every element of contiguous {@code a}: of equal rows' means when it splits into rows. */
    private static double mean(Backend b, Tensor a) {
        long n = a.numel();
        if (n > ROW && n % ROW == 0) return b.mean(b.mean(a.reshape((int) (n / ROW), ROW), 1, false), 0, false).item();
        return b.mean(a.reshape((int) n), 0, false).item();
    }

    /** {@code mean(|a − b|)} over every element. */
    static double meanAbsDiff(Tensor a, Tensor b) {
        try (Scope s = Scope.open()) {
            return meanAbs(a.to(DType.F32).sub(b.to(DType.F32)));
        }
    }

    /** TeaCache's relative L1 distance {@code mean|cur − prev| / mean|prev|}. */
    static double relL1(Tensor cur, Tensor prev) {
        return meanAbsDiff(cur, prev) / meanAbs(prev);
    }

    /** MagCache's magnitude ratio: the mean over tokens of {@code ‖cur‖ / ‖prev‖} along the last dim. */
    static double normRatio(Tensor cur, Tensor prev) {
        try (Scope s = Scope.open()) {
            Backend b = cur.backend();
            Tensor r = b.norm(cur.to(DType.F32), -1, false).div(b.norm(prev.to(DType.F32), -1, false));
            return mean(b, r.contiguous());
        }
    }

    /** {@code poly(x)} with coefficients highest order first (numpy's {@code poly1d}). */
    static double poly(double[] coefficients, double x) {
        double y = 0;
        for (double c : coefficients) y = y * x + c;
        return y;
    }
}
