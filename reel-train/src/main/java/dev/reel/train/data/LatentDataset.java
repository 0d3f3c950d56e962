package dev.reel.train.data;

import com.jerolba.carpet.CarpetReader;
import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;

/**
 * Preprocessed training data: one or more Parquet files of {@link LatentRow}s, read as an endless seeded stream
 * of shuffled batches ({@link #batches}). Each pass (epoch) visits the files in a shuffled order and every row
 * once, through a shuffle buffer (rows are drawn at random from the next {@code shuffleBuffer} rows, as
 * WebDataset and tf.data do), so memory stays bounded however large the files are; a buffer at least as large
 * as the data is a full shuffle. Rows are batched with others of the same latent shape (size buckets).
 */
public final class LatentDataset {
    private final List<Path> files;
    private final long rows;

    private LatentDataset(List<Path> files, long rows) {
        this.files = files;
        this.rows = rows;
    }

    /** Opens {@code files}, reading each one's row count from its footer. */
    public static LatentDataset open(List<Path> files) {
        if (files.isEmpty()) throw new ReelException("no Parquet files given for the training data");
        long n = 0;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) throw new ReelException("training data " + f + " does not exist or is not a file");
            try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(f))) {
                n += r.getRecordCount();
            } catch (IOException | RuntimeException e) {
                throw new ReelException("training data " + f + " is not a readable Parquet file: " + e.getMessage(), e);
            }
        }
        return new LatentDataset(List.copyOf(files), n);
    }

    /** The files. */
    public List<Path> files() { return files; }

    /** Rows in all files together. */
    public long size() { return rows; }

    /**
     * Endless shuffled batches, the same for the same arguments.
     *
     * @param batchSize     rows per batch
     * @param seed          seeds the file order and the shuffle of every epoch
     * @param shuffleBuffer rows held to draw from (≥ 1)
     * @param textLength    text tokens per batch row: embeddings are zero-padded (or cut) to it
     * @param dtype         dtype of the batch tensors
     * @param backend       where the batch tensors are made
     */
    public Batches batches(int batchSize, long seed, int shuffleBuffer, int textLength, DType dtype, Backend backend) {
        if (batchSize < 1) throw new ReelException("batch size = " + batchSize + ": must be at least 1");
        if (shuffleBuffer < 1) throw new ReelException("shuffle buffer = " + shuffleBuffer + ": must be at least 1");
        if (textLength < 1) throw new ReelException("text length = " + textLength + ": must be at least 1");
        if (rows == 0) throw new ReelException("training data " + files + " has no rows");
        return new Batches(batchSize, seed, shuffleBuffer, textLength, dtype, backend);
    }

    /** The stream of {@link #batches}; close it to release the open file. */
    public final class Batches implements Iterator<LatentBatch>, AutoCloseable {
        private final int batchSize, shuffleBuffer, textLength;
        private final long seed;
        private final DType dtype;
        private final Backend backend;
        private final Map<List<Integer>, List<LatentRow>> pending = new HashMap<>();
        private int epoch = -1;
        private Random random;
        private Deque<Path> fileQueue = new ArrayDeque<>();
        private Iterator<LatentRow> current;
        private AutoCloseable currentCloser;
        private final List<LatentRow> buffer = new ArrayList<>();

        private Batches(int batchSize, long seed, int shuffleBuffer, int textLength, DType dtype, Backend backend) {
            this.batchSize = batchSize;
            this.seed = seed;
            this.shuffleBuffer = shuffleBuffer;
            this.textLength = textLength;
            this.dtype = dtype;
            this.backend = backend;
        }

        @Override public boolean hasNext() { return true; }

        @Override public LatentBatch next() { return stack(nextGroup()); }

        /** Skips {@code n} batches (to resume a run at the batch it stopped at), drawing their rows without decoding them. */
        public void skip(long n) { for (long i = 0; i < n; i++) nextGroup(); }

        /** The rows of the next batch: the first latent shape whose group fills up. */
        private List<LatentRow> nextGroup() {
            while (true) {
                LatentRow row = nextRow();
                List<LatentRow> group = pending.computeIfAbsent(row.latentShape(), k -> new ArrayList<>());
                group.add(row);
                if (group.size() == batchSize) {
                    pending.remove(row.latentShape());
                    return group;
                }
            }
        }

        /** The next row in shuffled order, starting a new epoch when one ends. */
        private LatentRow nextRow() {
            for (int guard = 0; ; guard++) {
                while (buffer.size() < shuffleBuffer && fill()) { /* topping the buffer up */ }
                if (!buffer.isEmpty()) {
                    int i = random.nextInt(buffer.size());
                    LatentRow r = buffer.get(i);
                    buffer.set(i, buffer.get(buffer.size() - 1));
                    buffer.remove(buffer.size() - 1);
                    return r;
                }
                if (guard > 1) throw new ReelException("training data " + files + " yielded no rows");
                startEpoch();
            }
        }

        private void startEpoch() {
            epoch++;
            random = new Random(seed * 0x9E3779B97F4A7C15L + epoch);
            List<Path> order = new ArrayList<>(files);
            Collections.shuffle(order, random);
            fileQueue = new ArrayDeque<>(order);
        }

        /** Reads one more row into the buffer; false at the end of the epoch. */
        private boolean fill() {
            if (random == null) return false;
            while (current == null || !current.hasNext()) {
                closeCurrent();
                Path f = fileQueue.poll();
                if (f == null) return false;
                var it = new CarpetReader<>(f.toFile(), LatentRow.class).iterator();
                current = it;
                currentCloser = it;
            }
            buffer.add(current.next());
            return true;
        }

        private LatentBatch stack(List<LatentRow> group) {
            List<Integer> shape = group.get(0).latentShape();
            int per = shape.stream().reduce(1, (a, b) -> a * b);
            int b = group.size();
            int dim = group.get(0).textEmbeddingShape().get(1);
            float[] lat = new float[b * per];
            float[] txt = new float[b * textLength * dim];
            int[] lengths = new int[b];
            List<String> captions = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                LatentRow r = group.get(i);
                float[] l = RowTensors.floats(r.latentBytes(), r.latentShape(), r.latentDtype(), r.fileName() + " vae_latent");
                System.arraycopy(l, 0, lat, i * per, per);
                List<Integer> ts = r.textEmbeddingShape();
                if (ts.size() != 2 || ts.get(1) != dim) throw new ReelException(r.fileName() + ": text embedding " + ts + " is not [L, " + dim + "] like the rest of the batch");
                float[] t = RowTensors.floats(r.textEmbeddingBytes(), ts, r.textEmbeddingDtype(), r.fileName() + " text_embedding");
                int keep = Math.min(Math.min(r.textLength(), ts.get(0)), textLength);
                System.arraycopy(t, 0, txt, i * textLength * dim, keep * dim);
                lengths[i] = keep;
                captions.add(r.caption());
            }
            int[] latShape = new int[shape.size() + 1];
            latShape[0] = b;
            for (int i = 0; i < shape.size(); i++) latShape[i + 1] = shape.get(i);
            return new LatentBatch(backend.fromFloats(lat, dtype, latShape), backend.fromFloats(txt, dtype, b, textLength, dim),
                    lengths, List.copyOf(captions), epoch);
        }

        private void closeCurrent() {
            if (currentCloser != null) {
                try { currentCloser.close(); } catch (Exception ignored) { /* read-only */ }
            }
            current = null;
            currentCloser = null;
        }

        @Override public void close() { closeCurrent(); }
    }
}
