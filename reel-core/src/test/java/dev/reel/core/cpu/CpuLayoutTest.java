package dev.reel.core.cpu;

import static dev.reel.core.cpu.Ref.CPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import org.junit.jupiter.api.Test;

class CpuLayoutTest {

    @Test void concatAlongEachDim() {
        Tensor a = Ref.rand(1, 2, 3, 4), b = Ref.randTransposed(2, 2, 5, 4), c = Ref.randNarrowed(3, 2, 3, 4);
        Tensor y = CPU.concat(1, a, b, c.narrow(1, 0, 1));
        assertArrayEquals(new int[] {2, 9, 4}, y.shape());
        double[] av = Ref.values(a), bv = Ref.values(b), cv = Ref.values(c.narrow(1, 0, 1));
        double[] ref = new double[2 * 9 * 4];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 9; j++)
                for (int k = 0; k < 4; k++)
                    ref[(i * 9 + j) * 4 + k] = j < 3 ? av[(i * 3 + j) * 4 + k] : j < 8 ? bv[(i * 5 + j - 3) * 4 + k] : cv[i * 4 + k];
        Ref.assertClose(ref, y, 0);
        Tensor z = CPU.concat(-1, a, a);
        assertArrayEquals(new int[] {2, 3, 8}, z.shape());
        float[] zv = z.toFloatArray();
        for (int r = 0; r < 6; r++) for (int k = 0; k < 4; k++) { assertEquals(av[r * 4 + k], zv[r * 8 + k]); assertEquals(av[r * 4 + k], zv[r * 8 + 4 + k]); }
        Tensor w = CPU.concat(0, a, a);
        assertArrayEquals(new int[] {4, 3, 4}, w.shape());
        ShapeException e = assertThrows(ShapeException.class, () -> CPU.concat(0, a, b));
        assertTrue(e.getMessage().contains("concat"), e.getMessage());
    }

    @Test void padLikeTorch() {
        Tensor x = Ref.rand(4, 2, 3, 4);
        double[] xv = Ref.values(x);
        // last dim (1, 2), middle dim (-1, 0): crop one row at the front
        Tensor y = CPU.pad(x, new int[] {1, 2, -1, 0}, 7f);
        assertArrayEquals(new int[] {2, 2, 7}, y.shape());
        float[] yv = y.toFloatArray();
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                for (int k = 0; k < 7; k++) {
                    double expect = k >= 1 && k < 5 ? xv[(i * 3 + j + 1) * 4 + k - 1] : 7;
                    assertEquals(expect, yv[(i * 2 + j) * 7 + k], 0, "at " + i + "," + j + "," + k);
                }
        // all three dims, padding on the first (causal-conv style front padding on T)
        Tensor z = CPU.pad(x.transpose(1, 2), new int[] {0, 0, 0, 0, 2, 0}, 0f);
        assertArrayEquals(new int[] {4, 4, 3}, z.shape());
        float[] zv = z.toFloatArray();
        for (int i = 0; i < 2 * 12; i++) assertEquals(0f, zv[i]);
        double[] xt = Ref.values(x.transpose(1, 2));
        for (int i = 0; i < xt.length; i++) assertEquals(xt[i], zv[24 + i]);
        assertThrows(ShapeException.class, () -> CPU.pad(x, new int[] {1, 2, 3}, 0f));
        assertThrows(ShapeException.class, () -> CPU.pad(x, new int[] {-3, -2}, 0f));
    }

    @Test void embeddingGathersRowsAndNamesBadIds() {
        Tensor w = Ref.rand(5, 10, 6);
        double[] wv = Ref.values(w);
        int[] ids = {3, 0, 9, 3, 7, 1};
        Tensor y = CPU.embedding(w, ids, 2, 3);
        assertArrayEquals(new int[] {2, 3, 6}, y.shape());
        float[] yv = y.toFloatArray();
        for (int i = 0; i < ids.length; i++) for (int d = 0; d < 6; d++) assertEquals(wv[ids[i] * 6 + d], yv[i * 6 + d]);
        ShapeException e = assertThrows(ShapeException.class, () -> CPU.embedding(w, new int[] {1, 10}, 2));
        assertTrue(e.getMessage().contains("10") && e.getMessage().contains("vocab"), e.getMessage());
        assertThrows(ShapeException.class, () -> CPU.embedding(w, new int[] {-1}, 1));
    }

    @Test void upsampleNearest2x() {
        Tensor x = Ref.randTransposed(6, 2, 3, 5, 4); // [2, 3, 5, 4] strided
        double[] xv = Ref.values(x);
        Tensor y = CPU.upsampleNearest2x(x);
        assertArrayEquals(new int[] {2, 3, 10, 8}, y.shape());
        float[] yv = y.toFloatArray();
        for (int p = 0; p < 6; p++)
            for (int i = 0; i < 10; i++)
                for (int j = 0; j < 8; j++) assertEquals(xv[(p * 5 + i / 2) * 4 + j / 2], yv[(p * 10 + i) * 8 + j]);
    }

    @Test void copyIntoAndContiguousOnViews() {
        Tensor dst = CPU.zeros(DType.F32, 4, 6);
        Tensor src = Ref.rand(7, 3, 1);
        CPU.copyInto(dst.narrow(1, 2, 3).transpose(0, 1).narrow(1, 0, 3), src.expand(3, 3));
        float[] d = dst.toFloatArray();
        double[] s = Ref.values(src);
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 6; c++) {
                boolean in = r < 3 && c >= 2 && c < 5;
                assertEquals(in ? s[c - 2] : 0.0, d[r * 6 + c], 0, r + "," + c);
            }
        Tensor p = Ref.rand(8, 2, 3, 4).permute(2, 0, 1);
        Tensor pc = p.contiguous();
        assertTrue(pc.isContiguous());
        assertArrayEquals(p.toFloatArray(), pc.toFloatArray());
    }
}
