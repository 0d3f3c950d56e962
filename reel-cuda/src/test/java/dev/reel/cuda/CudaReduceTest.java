package dev.reel.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.Half;
import dev.reel.core.SystemOptions;
import dev.reel.core.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The column reductions: which kernel each shape takes (runs everywhere, no GPU) and, tagged "gpu", sums, means, maxima
 * and norms of those shapes against the CPU backend, run twice to be bit for bit the same. The GPU output is compared
 * with the CPU's fp32 result rounded to the output's dtype: relative L2 error 1e-5 for f32, 1e-3 for bf16/f16 (where
 * only a sum on the edge of a rounding step may land one bf16 step away).
 */
class CudaReduceTest {
    /** A 16-byte aligned address, as the pool hands out, and one a bf16/f32 element past it. */
    private static final long ALIGNED = 1L << 20, MISALIGNED = ALIGNED + 2;

    private static CudaReduce.Plan plan(DType t, long addr, long outer, long r, long inner) { return CudaReduce.plan(t, addr, outer, r, inner); }

    @Test
    void bandwidthBoundShapesTakeTheVectorisedKernel() {
        // a bias gradient: [14040, 1536] bf16 over the tokens, 6 blocks of 256 columns, so R is cut into 54 chunks of 260 rows
        assertEquals(new CudaReduce.Plan("reduce_cols_vec", 256, 54), plan(DType.BF16, ALIGNED, 1, 14040, 1536));
        assertEquals(new CudaReduce.Plan("reduce_cols_vec", 256, 16), plan(DType.BF16, ALIGNED, 1, 14040, 8960));
        assertEquals(new CudaReduce.Plan("reduce_cols_vec", 128, 44), plan(DType.F32, ALIGNED, 1, 14040, 1536));
        assertEquals(new CudaReduce.Plan("reduce_cols_vec", 256, 1), plan(DType.F16, ALIGNED, 1, 300, 8960));
        assertEquals(new CudaReduce.Plan("reduce_cols_vec", 256, 2), plan(DType.BF16, ALIGNED, 2, 700, 264));
        // every chunk streams at least MIN_CHUNK_ROWS rows
        for (long r : new long[] {512, 700, 14040, 100_000}) {
            CudaReduce.Plan p = plan(DType.BF16, ALIGNED, 1, r, 1536);
            assertTrue(r / p.chunks() >= CudaReduce.MIN_CHUNK_ROWS, r + " rows in " + p.chunks() + " chunks");
        }
    }

    @Test
    void otherShapesKeepTheirKernels() {
        assertEquals("reduce_cols_tiled", plan(DType.BF16, ALIGNED, 1, 77, 333).kernel());   // inner not a multiple of 8
        assertEquals("reduce_cols_tiled", plan(DType.F32, ALIGNED, 1, 77, 334).kernel());    // nor of 4
        assertEquals("reduce_cols_split", plan(DType.BF16, MISALIGNED, 1, 2100, 1536).kernel());
        assertEquals("reduce_cols_split", plan(DType.F32, ALIGNED + 4, 1, 2100, 1536).kernel());
        assertEquals("reduce_cols_split", plan(DType.I32, ALIGNED, 1, 14040, 1536).kernel());
        assertEquals("reduce_cols", plan(DType.BF16, ALIGNED, 1, 2, 184_800).kernel());      // R too short for 8 warps
        assertEquals("reduce_rows", plan(DType.BF16, ALIGNED, 77, 333, 1).kernel());
        assertEquals("reduce_rows_split", plan(DType.F32, ALIGNED, 3, 70_001, 1).kernel());
    }

    @Test
    void theHostsBlockIsTheKernelsWarps() {
        assertEquals(CudaReduce.TILED_BLOCK, 32 * KernelAbiTest.sourceDefines().get("COLS_VEC_WARPS"));
    }

    // ---------------------------------------------------------------- on the GPU

    private static CudaBackend gpu;
    private static final Backend cpu = Backends.cpu();
    private static final Random rnd = new Random(20260311);

    private static CudaBackend gpu() {
        if (gpu == null) {
            String why = new CudaBackendProvider().unavailableReason(SystemOptions.defaults());
            Assumptions.assumeTrue(why == null, () -> "no CUDA device, GPU reduction tests skipped: " + why);
            gpu = (CudaBackend) Backends.of(Device.cuda(0));
        }
        return gpu;
    }

    /** A GPU tensor of {@code n} random values and the CPU (fp32) tensor holding exactly them. */
    private record Pair(Tensor g, Tensor c) {
        /** The contiguous view of {@code shape} from element {@code start} of the 1-D storage. */
        Pair at(int start, int... shape) {
            int n = Math.toIntExact(Tensor.numel(shape));
            return new Pair(g.narrow(0, start, n).reshape(shape), c.narrow(0, start, n).reshape(shape));
        }
    }

    private static Pair rand(DType t, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian();
        Tensor g = gpu().fromFloats(f, t, n);
        return new Pair(g, cpu.fromFloats(g.toFloatArray(), DType.F32, n));
    }

    @Tag("gpu")
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void columnReductionsMatchTheCpuAndRepeatBitForBit(DType t) {
        check(t, rand(t, 14040 * 1536).at(0, 14040, 1536), 0, "reduce_cols_vec");
        check(t, rand(t, 14040 * 1536).at(0, 1, 14040, 1536), 1, "reduce_cols_vec");
        check(t, rand(t, 300 * 8960).at(0, 300, 8960), 0, "reduce_cols_vec");
        Pair x = rand(t, 2 * 700 * 264).at(0, 2, 700, 264);
        check(t, x, 1, "reduce_cols_vec");
        check(t, x, 0, "reduce_cols");
        check(t, x, 2, "reduce_rows");
        Pair odd = rand(t, 77 * 333).at(0, 77, 333);
        check(t, odd, 0, "reduce_cols_tiled");
        check(t, odd, 1, "reduce_rows");
        // one element into its storage: contiguous, but 2 or 4 bytes off 16-byte alignment
        check(t, rand(t, 1 + 2100 * 1536).at(1, 2100, 1536), 0, "reduce_cols_split");
    }

    /** All four reductions of x over dim, x taking kernel, against the CPU and against a second run. */
    private static void check(DType t, Pair x, int dim, String kernel) {
        int[] s = x.g().shape();
        long outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= s[i];
        for (int i = dim + 1; i < s.length; i++) inner *= s[i];
        String name = java.util.Arrays.toString(s) + " over dim " + dim + " " + t;
        assertEquals(kernel, CudaReduce.plan(t, gpu().cudaDevice().addr(x.g()), outer, s[dim], inner).kernel(), name);
        double tol = t == DType.F32 ? 1e-5 : 1e-3;
        compare(name + " sum", t, gpu.sum(x.g(), dim, false), gpu.sum(x.g(), dim, false), cpu.sum(x.c(), dim, false), tol);
        compare(name + " mean", t, gpu.mean(x.g(), dim, true), gpu.mean(x.g(), dim, true), cpu.mean(x.c(), dim, true), tol);
        compare(name + " max", t, gpu.max(x.g(), dim, false), gpu.max(x.g(), dim, false), cpu.max(x.c(), dim, false), tol);
        compare(name + " norm", t, gpu.norm(x.g(), dim, false), gpu.norm(x.g(), dim, false), cpu.norm(x.c(), dim, false), tol);
    }

    private static void compare(String name, DType t, Tensor got, Tensor again, Tensor ref, double tol) {
        assertArrayEquals(ref.shape(), got.shape(), name + ": shape");
        assertEquals(t, got.dtype(), name + ": dtype");
        float[] g = got.toFloatArray(), a = again.toFloatArray(), c = ref.toFloatArray();
        int[] gb = new int[g.length], ab = new int[a.length];
        for (int i = 0; i < g.length; i++) {
            gb[i] = Float.floatToRawIntBits(g[i]);
            ab[i] = Float.floatToRawIntBits(a[i]);
        }
        assertArrayEquals(gb, ab, name + ": two runs differ");
        double num = 0, den = 0;
        for (int i = 0; i < c.length; i++) {
            float want = switch (t) {
                case BF16 -> Half.bf16ToFloat(Half.floatToBf16(c[i]));
                case F16 -> Half.f16ToFloat(Half.floatToF16(c[i]));
                default -> c[i];
            };
            assertTrue(!Float.isNaN(g[i]), name + ": NaN at " + i);
            num += ((double) g[i] - want) * ((double) g[i] - want);
            den += (double) want * want;
        }
        double e = Math.sqrt(num / den);
        assertTrue(e <= tol, name + ": relative error " + e + " > " + tol);
    }
}
