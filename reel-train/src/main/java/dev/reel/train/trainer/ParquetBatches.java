package dev.reel.train.trainer;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.models.wan.WanVaeConfig;
import dev.reel.train.data.LatentBatch;
import dev.reel.train.data.LatentDataset;
import java.nio.file.Path;
import java.util.List;

/**
 * Training samples from {@code reel preprocess}'s Parquet files: the rows as {@link LatentDataset} streams them
 * (shuffled per epoch), with the VAE latents normalised as the pipeline's denoiser sees them
 * ({@code (z − latents_mean) / latents_std} per channel) and the text embeddings zero-padded to the pipeline's text
 * length. Batch {@code step} is the step-th batch of the seeded stream, so a resumed run sees the same batches.
 */
public final class ParquetBatches implements BatchSource, AutoCloseable {
    /** Rows held for the shuffle: the whole of a demo-sized set, a bounded window of a large one. */
    static final int SHUFFLE_BUFFER = 8192;

    private final LatentDataset data;
    private final int batchSize, textLength;
    private final long seed;
    private final WanVaeConfig vae;
    private final float[] emptyText;
    private LatentDataset.Batches stream;
    private int next;

    /**
     * @param files       the Parquet files
     * @param batchSize   rows per batch (rows of one latent shape)
     * @param seed        seeds the order
     * @param textLength  text tokens per row (the pipeline's {@code max_sequence_length})
     * @param vae         the config of the VAE that encoded the rows (its latent statistics normalise them)
     * @param emptyText   the empty prompt's embedding {@code [textLength, D]}, for text dropout
     */
    public ParquetBatches(List<Path> files, int batchSize, long seed, int textLength, WanVaeConfig vae, float[] emptyText) {
        if (batchSize <= 0) throw new ReelException("--batch-size must be > 0, got " + batchSize);
        this.data = LatentDataset.open(files);
        this.batchSize = batchSize;
        this.seed = seed;
        this.textLength = textLength;
        this.vae = vae;
        this.emptyText = emptyText.clone();
    }

    /** Rows in all files. */
    public long rows() { return data.size(); }

    @Override public Sample batch(int step, Backend backend) {
        if (stream == null || step != next) {   // first use, or a resume: replay the stream up to this step
            close();
            stream = data.batches(batchSize, seed, SHUFFLE_BUFFER, textLength, DType.F32, backend);
            try (Scope skipped = Scope.open()) { stream.skip(step); }
        }
        next = step + 1;
        LatentBatch b = stream.next();
        Tensor z = b.latents();
        if (z.size(1) != vae.zDim()) {
            throw new ReelException("training latents have " + z.size(1) + " channels but the pipeline's VAE has " + vae.zDim()
                    + ": the data was preprocessed with another VAE");
        }
        return new Sample(AutoencoderKLWan.normalizeLatents(z, vae), b.textEmbeddings(), b.captions());
    }

    @Override public Tensor emptyText(Backend backend) {
        return backend.fromFloats(emptyText, DType.F32, 1, textLength, emptyText.length / textLength);
    }

    @Override public void close() {
        if (stream != null) stream.close();
        stream = null;
    }
}
