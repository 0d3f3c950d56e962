package dev.reel.train.data;

import com.jerolba.carpet.CarpetWriter;
import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes {@link LatentRow}s to a Parquet file (through Carpet on Apache parquet-java), into a temporary file
 * beside the target that {@link #commit} moves into place: a reader never sees a half-written file, and a
 * writer closed without commit leaves nothing behind.
 */
public final class LatentParquetWriter implements AutoCloseable {
    private final Path target;
    private final Path tmp;
    private final OutputStream stream;
    private final CarpetWriter<LatentRow> writer;
    private long rows;
    private boolean done;

    private LatentParquetWriter(Path target, Path tmp, OutputStream stream, CarpetWriter<LatentRow> writer) {
        this.target = target;
        this.tmp = tmp;
        this.stream = stream;
        this.writer = writer;
    }

    /** Starts a file that will become {@code target}. */
    public static LatentParquetWriter create(Path target) {
        Path abs = target.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".partial");
        try {
            Files.createDirectories(abs.getParent());
            OutputStream out = Files.newOutputStream(tmp);
            return new LatentParquetWriter(abs, tmp, out, new CarpetWriter<>(out, LatentRow.class));
        } catch (IOException e) {
            throw new ReelException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Appends one row. */
    public void write(LatentRow row) {
        try {
            writer.write(row);
            rows++;
        } catch (IOException e) {
            throw new ReelException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Rows written so far. */
    public long rows() { return rows; }

    /** Finishes the file and moves it into place (replacing {@code target}). */
    public void commit() {
        try {
            writer.close();
            stream.close();
            FileOps.moveIntoPlace(tmp, target);
            done = true;
        } catch (IOException e) {
            throw new ReelException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (!done) deleteTmp();
        }
    }

    /** Without {@link #commit}: discards the partial file. */
    @Override public void close() {
        if (done) return;
        try {
            writer.close();
            stream.close();
        } catch (IOException | RuntimeException ignored) {
            // being discarded anyway
        }
        deleteTmp();
        done = true;
    }

    private void deleteTmp() {
        try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* best effort */ }
    }
}
