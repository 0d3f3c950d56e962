package dev.reel.train.trainer;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import dev.reel.core.safetensors.SafetensorsFile;
import java.nio.file.Path;
import java.util.Random;

/**
 * Training samples from one safetensors file: {@code latents [N, C, T, H, W]}, {@code text [N, L, D]} and optionally
 * {@code empty_text [1, L, D]} (zeros when absent). Each epoch visits the rows in a permutation seeded by
 * (seed, epoch); batch {@code step} is a pure function of the step, so resumed runs see the same batches.
 */
public final class TensorFileBatches implements BatchSource {
    private final float[] latents, text, emptyText;
    private final int[] latentShape, textShape;
    private final int rows, batchSize;
    private final long seed;

    private TensorFileBatches(float[] latents, int[] latentShape, float[] text, int[] textShape, float[] emptyText, int batchSize, long seed) {
        this.latents = latents;
        this.latentShape = latentShape;
        this.text = text;
        this.textShape = textShape;
        this.emptyText = emptyText;
        this.rows = latentShape[0];
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /** Reads {@code file}; throws naming the file and the key when a tensor is missing or mis-shaped. */
    public static TensorFileBatches open(Path file, int batchSize, long seed) {
        if (batchSize <= 0) throw new ReelException("--batch-size must be > 0, got " + batchSize);
        try (SafetensorsFile f = SafetensorsFile.open(file); Scope scope = Scope.open()) {
            for (String k : new String[] {"latents", "text"}) {
                if (!f.contains(k)) throw new ReelException("--data " + file + ": no tensor '" + k + "' (needs latents [N, C, T, H, W] and text [N, L, D])");
            }
            Backend cpu = dev.reel.core.Backends.cpu();
            Tensor l = f.load("latents", DType.F32, cpu), t = f.load("text", DType.F32, cpu);
            if (l.rank() != 5 || t.rank() != 3 || l.size(0) != t.size(0) || l.size(0) == 0) {
                throw new ShapeException("--data " + file, "latents " + ShapeException.fmt(l.shape()) + " and text " + ShapeException.fmt(t.shape())
                        + " must be [N, C, T, H, W] and [N, L, D] with the same N > 0");
            }
            float[] empty = new float[t.size(1) * t.size(2)];
            if (f.contains("empty_text")) {
                Tensor e = f.load("empty_text", DType.F32, cpu);
                if (e.numel() != empty.length) throw new ShapeException("--data " + file, "empty_text " + ShapeException.fmt(e.shape()) + " must be [1, " + t.size(1) + ", " + t.size(2) + "]");
                empty = e.toFloatArray();
            }
            return new TensorFileBatches(l.toFloatArray(), l.shape(), t.toFloatArray(), t.shape(), empty, batchSize, seed);
        }
    }

    /** Number of rows. */
    public int rows() { return rows; }

    @Override public Sample batch(int step, Backend backend) {
        int[] ls = latentShape.clone(), ts = textShape.clone();
        int lRow = latents.length / rows, tRow = text.length / rows;
        float[] l = new float[batchSize * lRow], t = new float[batchSize * tRow];
        for (int i = 0; i < batchSize; i++) {
            long k = (long) step * batchSize + i;
            int row = permutation((int) (k / rows))[(int) (k % rows)];
            System.arraycopy(latents, row * lRow, l, i * lRow, lRow);
            System.arraycopy(text, row * tRow, t, i * tRow, tRow);
        }
        ls[0] = batchSize;
        ts[0] = batchSize;
        return new Sample(backend.fromFloats(l, DType.F32, ls), backend.fromFloats(t, DType.F32, ts));
    }

    @Override public Tensor emptyText(Backend backend) {
        return backend.fromFloats(emptyText, DType.F32, 1, textShape[1], textShape[2]);
    }

    /** The row order of {@code epoch} (Fisher–Yates with a generator seeded by seed and epoch). */
    private int[] permutation(int epoch) {
        int[] p = new int[rows];
        for (int i = 0; i < rows; i++) p[i] = i;
        Random rnd = new Random(seed * 31 + epoch);
        for (int i = rows - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int s = p[i]; p[i] = p[j]; p[j] = s;
        }
        return p;
    }
}
