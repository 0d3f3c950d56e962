package dev.reel.train.autograd;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.Arrays;

/**
 * Backward of an embedding lookup: each row's gradient summed into its id's row of the table's gradient (ids may
 * repeat), in fp32. As matrix products, not a scatter-add per looked-up row: that cost a GPU step one launch pair per
 * token (a UMT5 batch of 64 × 32 tokens: thousands). The U distinct ids get a host-built one-hot {@code [U, N]},
 * {@code G_u = onehot · rows} ({@code [U, dim]}), and G_u's rows are the table's gradient when every id occurs
 * ({@code U = num}), else are placed one copy per distinct id into zeros.
 */
final class EmbeddingGrad {
    /** Largest one-hot block built at once (U × rows values): 64 Mi fp32, 256 MiB; more rows go in chunks. */
    static final long ONE_HOT_ELEMENTS = 1L << 26;

    private EmbeddingGrad() {}

    /** The gradient of {@code weight [num, dim]} from the output gradient {@code g [..., dim]} of looking up {@code ids}. */
    static Tensor backward(Backend b, Tensor weight, int[] ids, Tensor g) {
        int num = weight.size(0), dim = weight.size(1), n = ids.length;
        int[] distinct = Arrays.stream(ids).distinct().sorted().toArray();
        int u = distinct.length;
        Tensor rows = b.cast(g.reshape(n, dim), DType.F32);                    // [N, dim]
        Tensor gu = b.zeros(DType.F32, u, dim);
        int chunk = (int) Math.max(1, Math.min(n, ONE_HOT_ELEMENTS / u));
        for (int s = 0; s < n; s += chunk) {
            int c = Math.min(chunk, n - s);
            try (Scope scope = Scope.open()) {
                float[] hot = new float[u * c];
                for (int i = 0; i < c; i++) hot[Arrays.binarySearch(distinct, ids[s + i]) * c + i] = 1f;
                Tensor part = b.matmul(b.fromFloats(hot, DType.F32, u, c), rows.narrow(0, s, c));   // [U, dim]
                b.copyInto(gu, b.add(gu, part));
            }
        }
        if (u == num) return gu;   // distinct ids sorted and all present: row j is id j
        Tensor gw = b.zeros(DType.F32, num, dim);
        for (int j = 0; j < u; j++) b.copyInto(gw.narrow(0, distinct[j], 1), gu.narrow(0, j, 1));
        return gw;
    }
}
