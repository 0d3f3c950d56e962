package dev.reel.core.cpu;

import static dev.reel.core.cpu.Ref.CPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import org.junit.jupiter.api.Test;

class CpuLinalgTest {

    /** Naive float64 batched matmul with broadcast batch dims. */
    static double[] refMatmul(Tensor a, Tensor b, int[] outShape) {
        double[] av = Ref.values(a), bv = Ref.values(b);
        int[] as = a.shape(), bs = b.shape();
        int m = as[as.length - 2], k = as[as.length - 1], n = bs[bs.length - 1];
        int r = outShape.length;
        int[] batch = java.util.Arrays.copyOf(outShape, r - 2);
        int[] ab = java.util.Arrays.copyOf(as, as.length - 2), bb = java.util.Arrays.copyOf(bs, bs.length - 2);
        int nb = (int) Tensor.numel(batch);
        double[] out = new double[nb * m * n];
        for (int q = 0; q < nb; q++) {
            int[] idx = Ref.unravel(q, batch);
            int ao = Ref.bcastIndex(idx, ab) * m * k, bo = Ref.bcastIndex(idx, bb) * k * n;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += av[ao + i * k + p] * bv[bo + p * n + j];
                    out[(q * m + i) * n + j] = s;
                }
        }
        return out;
    }

    @Test void matmulPlain() {
        Tensor a = Ref.rand(1, 67, 129), b = Ref.rand(2, 129, 70);
        Tensor c = CPU.matmul(a, b);
        assertArrayEquals(new int[] {67, 70}, c.shape());
        Ref.assertClose(refMatmul(a, b, c.shape()), c, 1e-6);
    }

    @Test void matmulBroadcastsBatchDims() {
        Tensor a = Ref.rand(3, 2, 1, 5, 7), b = Ref.rand(4, 3, 7, 6);
        Tensor c = CPU.matmul(a, b);
        assertArrayEquals(new int[] {2, 3, 5, 6}, c.shape());
        Ref.assertClose(refMatmul(a, b, c.shape()), c, 1e-6);
        Tensor e = Ref.rand(5, 1, 9, 4).expand(3, 9, 4);
        Tensor f = Ref.rand(6, 3, 4, 11);
        Ref.assertClose(refMatmul(e, f, new int[] {3, 9, 11}), CPU.matmul(e, f), 1e-6);
    }

    @Test void matmulOnTransposedAndNarrowedViews() {
        Tensor a = Ref.randTransposed(7, 2, 33, 40), b = Ref.randTransposed(8, 2, 40, 19);
        Ref.assertClose(refMatmul(a, b, new int[] {2, 33, 19}), CPU.matmul(a, b), 1e-6);
        Tensor c = Ref.randNarrowed(9, 12, 25), d = Ref.randNarrowed(10, 25, 13);
        Ref.assertClose(refMatmul(c, d, new int[] {12, 13}), CPU.matmul(c, d), 1e-6);
    }

    @Test void matmulLargeEnoughForBlocking() {
        Tensor a = Ref.rand(11, 300, 520), b = Ref.randTransposed(12, 520, 270);
        Ref.assertClose(refMatmul(a, b, new int[] {300, 270}), CPU.matmul(a, b), 1e-6);
    }

    @Test void matmulWiderThanOneColumnBlock() {
        Tensor a = Ref.rand(13, 7, 40), b = Ref.rand(14, 40, 2100); // N spans two NC blocks and ends in a partial panel
        Ref.assertClose(refMatmul(a, b, new int[] {7, 2100}), CPU.matmul(a, b), 1e-6);
    }

    @Test void matmulRejectsMismatch() {
        ShapeException e = assertThrows(ShapeException.class, () -> CPU.matmul(Ref.rand(1, 3, 4), Ref.rand(2, 5, 6)));
        assertTrue(e.getMessage().contains("matmul") && e.getMessage().contains("[3, 4]") && e.getMessage().contains("[5, 6]"), e.getMessage());
        assertThrows(ShapeException.class, () -> CPU.matmul(Ref.rand(1, 2, 3, 4), Ref.rand(2, 3, 4, 5)));
    }

    static double[] refLinear(Tensor x, Tensor w, Tensor bias) {
        double[] xv = Ref.values(x), wv = Ref.values(w), bv = bias == null ? null : Ref.values(bias);
        int out = w.size(0), in = w.size(1), rows = xv.length / in;
        double[] r = new double[rows * out];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < out; j++) {
                double s = bv == null ? 0 : bv[j];
                for (int p = 0; p < in; p++) s += xv[i * in + p] * wv[j * in + p];
                r[i * out + j] = s;
            }
        return r;
    }

    @Test void linearWithAndWithoutBias() {
        Tensor x = Ref.rand(1, 2, 13, 48), w = Ref.rand(2, 37, 48), b = Ref.rand(3, 37);
        Tensor y = CPU.linear(x, w, b);
        assertArrayEquals(new int[] {2, 13, 37}, y.shape());
        Ref.assertClose(refLinear(x, w, b), y, 1e-6);
        Ref.assertClose(refLinear(x, w, null), CPU.linear(x, w, null), 1e-6);
    }

    @Test void linearWithFewRowsUsesDotProducts() {
        // 1–3 rows (timestep embeddings, modulation): the unpacked dot-product path
        for (int rows = 1; rows <= 3; rows++) {
            Tensor x = Ref.rand(30 + rows, rows, 300), w = Ref.rand(40, 101, 300), b = Ref.rand(41, 101);
            Ref.assertClose(refLinear(x, w, b), CPU.linear(x, w, b), 1e-6);
        }
    }

    @Test void linearAcrossRowCountsAndDeepInputs() {
        // odd row counts and out % 4 != 0 exercise the unpacked path's edges; in > 1024 its k-blocks;
        // 300 rows the packed path
        int[][] cases = {{5, 1100, 10}, {33, 70, 46}, {300, 70, 37}};
        for (int[] cs : cases) {
            Tensor x = Ref.rand(50 + cs[0], cs[0], cs[1]), w = Ref.rand(51, cs[2], cs[1]), b = Ref.rand(52, cs[2]);
            Ref.assertClose(refLinear(x, w, b), CPU.linear(x, w, b), 1e-6);
        }
    }

    @Test void linearOnStridedInputsAndWeights() {
        Tensor x = Ref.randTransposed(4, 3, 64, 20).transpose(1, 2); // [3, 20, 64] with unit stride on dim 1
        Tensor w = Ref.randTransposed(5, 50, 64);
        Tensor b = Ref.randNarrowed(6, 50);
        Ref.assertClose(refLinear(x, w, b), CPU.linear(x, w, b), 1e-6);
    }

    @Test void linearRejectsWrongShapes() {
        ShapeException e = assertThrows(ShapeException.class, () -> CPU.linear(Ref.rand(1, 4, 5), Ref.rand(2, 3, 6), null));
        assertTrue(e.getMessage().contains("linear") && e.getMessage().contains("[4, 5]") && e.getMessage().contains("[3, 6]"), e.getMessage());
        assertThrows(ShapeException.class, () -> CPU.linear(Ref.rand(1, 4, 6), Ref.rand(2, 3, 6), Ref.rand(3, 4)));
    }
}
