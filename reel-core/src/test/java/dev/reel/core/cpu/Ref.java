package dev.reel.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import java.util.Random;

/** Test helpers: random inputs, strided variants of them, and float64 comparisons. */
final class Ref {
    private Ref() {}

    static final Backend CPU = CpuBackend.instance();

    /** Uniform values in [-1, 1). */
    static float[] uniform(long seed, int n) {
        Random r = new Random(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = r.nextFloat() * 2 - 1;
        return f;
    }

    static Tensor rand(long seed, int... shape) {
        return CPU.fromFloats(uniform(seed, (int) Tensor.numel(shape)), DType.F32, shape);
    }

    /** The same values as {@code rand(seed, shape)} but stored transposed (last two dims swapped): a non-contiguous view. */
    static Tensor randTransposed(long seed, int... shape) {
        Tensor dense = rand(seed, shape);
        int r = shape.length;
        Tensor stored = dense.transpose(r - 2, r - 1).contiguous();
        Tensor view = stored.transpose(r - 2, r - 1);
        assertTrue(!view.isContiguous() || shape[r - 1] == 1 || shape[r - 2] == 1);
        return view;
    }

    /** The same values as {@code rand(seed, shape)} as a narrowed window of a larger tensor (non-contiguous). */
    static Tensor randNarrowed(long seed, int... shape) {
        int r = shape.length;
        int[] big = shape.clone();
        big[r - 1] += 3;
        Tensor host = CPU.full(Float.NaN, DType.F32, big);
        Tensor view = host.narrow(r - 1, 2, shape[r - 1]);
        CPU.copyInto(view, rand(seed, shape));
        return view;
    }

    static double[] values(Tensor t) {
        float[] f = t.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** Relative L2 error ‖out − ref‖ / ‖ref‖ (absolute when ref is all zero). */
    static double relErr(double[] ref, float[] out) {
        assertEquals(ref.length, out.length, "element count");
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            double e = out[i] - ref[i];
            num += e * e;
            den += ref[i] * ref[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    static void assertClose(double[] ref, Tensor out, double rtol) {
        assertEquals(DType.F32, out.dtype());
        assertTrue(out.isContiguous(), "ops return contiguous tensors");
        float[] o = out.toFloatArray();
        double e = relErr(ref, o);
        assertTrue(e <= rtol, "relative error " + e + " > " + rtol);
        for (int i = 0; i < ref.length; i++) {
            if (Double.isNaN(ref[i])) assertTrue(Float.isNaN(o[i]), "NaN expected at " + i);
        }
    }

    /** Row-major index of {@code idx} in {@code shape}, with size-1 dims of a right-aligned (broadcast) shape pinned to 0. */
    static int bcastIndex(int[] idx, int[] shape) {
        int off = idx.length - shape.length, p = 0;
        for (int d = 0; d < shape.length; d++) p = p * shape[d] + (shape[d] == 1 ? 0 : idx[d + off]);
        return p;
    }

    /** Multi-index of row-major position {@code i} in {@code shape}. */
    static int[] unravel(long i, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) { idx[d] = (int) (i % shape[d]); i /= shape[d]; }
        return idx;
    }
}
