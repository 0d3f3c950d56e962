package dev.reel.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorViewTest {
    private final Backend cpu = Backends.cpu();

    private Tensor iota(int... shape) {
        float[] f = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < f.length; i++) f[i] = i;
        return cpu.fromFloats(f, DType.F32, shape);
    }

    @Test void transposeAndPermuteShareStorage() {
        Tensor a = iota(2, 3, 4);
        Tensor t = a.transpose(0, 2);
        assertSame(a.storage(), t.storage());
        assertArrayEquals(new int[] {4, 3, 2}, t.shape());
        assertArrayEquals(new long[] {1, 4, 12}, t.strides());
        assertFalse(t.isContiguous());
        float[] v = t.toFloatArray();
        for (int i = 0; i < 4; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 2; k++) assertEquals(k * 12 + j * 4 + i, v[(i * 3 + j) * 2 + k]);
        Tensor p = a.permute(1, 2, 0);
        assertEquals(a.toFloatArray()[1 * 12 + 2 * 4 + 3], p.toFloatArray()[(2 * 4 + 3) * 2 + 1]);
        assertThrows(ShapeException.class, () -> a.permute(0, 0, 1));
    }

    @Test void narrowSelectSplitChunk() {
        Tensor a = iota(4, 5);
        Tensor n = a.narrow(1, 1, 3);
        assertEquals(1, n.offset());
        assertArrayEquals(new float[] {1, 2, 3, 6, 7, 8, 11, 12, 13, 16, 17, 18}, n.toFloatArray());
        assertArrayEquals(new float[] {10, 11, 12, 13, 14}, a.select(0, 2).toFloatArray());
        assertArrayEquals(new float[] {3, 8, 13, 18}, a.select(-1, 3).toFloatArray());
        Tensor[] parts = a.split(1, 2, 3);
        assertArrayEquals(new int[] {4, 3}, parts[1].shape());
        assertEquals(2, parts[1].toFloatArray()[0]);
        Tensor[] ch = a.chunk(2, 0);
        assertArrayEquals(new float[] {10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, ch[1].toFloatArray());
        assertThrows(ShapeException.class, () -> a.chunk(3, 1));
        ShapeException e = assertThrows(ShapeException.class, () -> a.narrow(0, 3, 2));
        assertTrue(e.getMessage().contains("narrow"), e.getMessage());
    }

    @Test void reshapeViewsOrCopies() {
        Tensor a = iota(2, 6);
        Tensor r = a.reshape(3, -1);
        assertSame(a.storage(), r.storage());
        assertArrayEquals(new int[] {3, 4}, r.shape());
        Tensor t = a.transpose(0, 1);
        Tensor rt = t.reshape(12);
        assertTrue(rt.isContiguous());
        assertArrayEquals(new float[] {0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11}, rt.toFloatArray());
        assertThrows(ShapeException.class, () -> t.view(12));
        assertThrows(ShapeException.class, () -> a.reshape(5, -1));
        assertThrows(ShapeException.class, () -> a.reshape(-1, -1));
    }

    @Test void unsqueezeSqueezeExpand() {
        Tensor a = iota(3);
        Tensor u = a.unsqueeze(0).unsqueeze(2); // [1, 3, 1]
        assertArrayEquals(new int[] {1, 3, 1}, u.shape());
        assertTrue(u.isContiguous());
        Tensor e = u.expand(2, 3, 4);
        assertArrayEquals(new long[] {0, 1, 0}, e.strides());
        float[] v = e.toFloatArray();
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++) assertEquals(j, v[(i * 3 + j) * 4 + k]);
        assertArrayEquals(new int[] {3}, u.squeeze(0).squeeze(-1).shape());
        assertThrows(ShapeException.class, () -> u.squeeze(1));
        assertThrows(ShapeException.class, () -> a.expand(2, 4));
        Tensor lead = a.expand(5, 3);
        assertArrayEquals(new long[] {0, 1}, lead.strides());
    }

    @Test void flattenUnflatten() {
        Tensor a = iota(2, 3, 4, 5);
        Tensor f = a.flatten(1, 2);
        assertArrayEquals(new int[] {2, 12, 5}, f.shape());
        Tensor u = f.unflatten(1, 3, -1);
        assertArrayEquals(new int[] {2, 3, 4, 5}, u.shape());
        assertArrayEquals(a.toFloatArray(), u.toFloatArray());
        Tensor ft = a.transpose(1, 3).flatten(0, 1);
        assertArrayEquals(new int[] {10, 4, 3}, ft.shape());
        assertEquals(a.toFloatArray()[1 * 60 + 2 * 20 + 0 * 5 + 4], ft.toFloatArray()[(1 * 5 + 4) * 12 + 0 * 3 + 2]); // a[1,2,0,4]
    }

    @Test void opsOnViewsOfViews() {
        Tensor a = iota(4, 6);
        Tensor v = a.narrow(0, 1, 2).transpose(0, 1).narrow(0, 2, 3); // [3, 2]: a[1+j, 2+i]
        float[] x = v.toFloatArray();
        for (int i = 0; i < 3; i++) for (int j = 0; j < 2; j++) assertEquals((1 + j) * 6 + 2 + i, x[i * 2 + j]);
        float[] s = v.add(1f).toFloatArray();
        for (int i = 0; i < 6; i++) assertEquals(x[i] + 1, s[i]);
        assertEquals(13f, a.select(0, 2).narrow(0, 1, 1).item());
        assertThrows(ShapeException.class, () -> a.item());
    }
}
