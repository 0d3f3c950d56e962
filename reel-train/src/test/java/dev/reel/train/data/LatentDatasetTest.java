package dev.reel.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rows written and read back; seeded shuffled batches over several files, bucketed by latent shape. */
class LatentDatasetTest {
    @TempDir Path dir;

    /** Row i: latent [2, 1, 2, 2 or 4] filled with i, text embedding [i % 3 + 1, 4] filled with i. */
    private static LatentRow row(int i) {
        int w = i % 2 == 0 ? 2 : 4;
        Tensor latent = Backends.cpu().full(i, DType.F32, 2, 1, 2, w);
        Tensor text = Backends.cpu().full(i, DType.F32, i % 3 + 1, 4);
        return new LatentRow("caption " + i, "v" + i + ".mp4", 16, 1, 16, 8 * w,
                RowTensors.bytes(latent, DType.F32), RowTensors.shape(latent), "float32",
                RowTensors.bytes(text, DType.BF16), RowTensors.shape(text), "bfloat16", i % 3 + 1);
    }

    private List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (int f = 0; f < 4; f++) {   // 32 rows, 16 of each latent shape: 16 full batches of 2 per epoch
            Path p = dir.resolve("part" + f + ".parquet");
            try (LatentParquetWriter w = LatentParquetWriter.create(p)) {
                for (int i = f * 8; i < f * 8 + 8; i++) w.write(row(i));
                w.commit();
            }
            out.add(p);
        }
        return out;
    }

    private static List<String> epoch(LatentDataset d, long seed, int batches) {
        List<String> captions = new ArrayList<>();
        try (var b = d.batches(2, seed, 4, 5, DType.F32, Backends.cpu())) {
            for (int i = 0; i < batches; i++) {
                LatentBatch x = b.next();
                captions.addAll(x.captions());
                float[] lat = x.latents().toFloatArray(), txt = x.textEmbeddings().toFloatArray();
                int per = lat.length / 2;
                for (int k = 0; k < 2; k++) {
                    int id = Integer.parseInt(x.captions().get(k).substring(8));
                    assertEquals(id, lat[k * per], "latent of row " + id);
                    assertEquals(id % 3 + 1, x.textLengths()[k]);
                    for (int t = 0; t < 5; t++) assertEquals(t < id % 3 + 1 ? bf16(id) : 0f, txt[(k * 5 + t) * 4], "text of row " + id + " at " + t);
                }
                assertEquals(x.latents().shape()[4], Integer.parseInt(x.captions().get(0).substring(8)) % 2 == 0 ? 2 : 4, "one latent shape per batch");
            }
        }
        return captions;
    }

    private static float bf16(int v) { return dev.reel.core.Half.bf16ToFloat(dev.reel.core.Half.floatToBf16(v)); }

    @Test
    void eachEpochVisitsEveryRowOnceInASeededOrder() {
        LatentDataset d = LatentDataset.open(files());
        assertEquals(32, d.size());
        List<String> first = epoch(d, 7, 16);
        Map<String, Integer> seen = new HashMap<>();
        first.forEach(c -> seen.merge(c, 1, Integer::sum));
        assertEquals(32, seen.size(), "every row once in the first 16 batches of 2: " + seen);
        assertEquals(first, epoch(d, 7, 16), "same seed, same stream");
        assertNotEquals(first, epoch(d, 8, 16), "another seed, another order");
        List<String> two = epoch(d, 7, 32);
        assertEquals(first, two.subList(0, 32));
        assertNotEquals(two.subList(0, 32), two.subList(32, 64), "the next epoch is shuffled anew");
        try (var b = d.batches(2, 7, 4, 5, DType.F32, Backends.cpu())) {
            b.skip(3);
            assertEquals(first.subList(6, 8), b.next().captions(), "skip resumes the stream");
        }
    }

    @Test
    void writerLeavesNothingWithoutCommitAndBadInputIsNamed() throws Exception {
        Path p = dir.resolve("never.parquet");
        try (LatentParquetWriter w = LatentParquetWriter.create(p)) {
            w.write(row(1));
        }
        try (var s = Files.list(dir)) { assertEquals(0, s.count()); }
        var e = assertThrows(ReelException.class, () -> LatentDataset.open(List.of(p)));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        Files.writeString(p, "not parquet");
        e = assertThrows(ReelException.class, () -> LatentDataset.open(List.of(p)));
        assertTrue(e.getMessage().contains("not a readable Parquet file"), e.getMessage());
        assertArrayEquals(new float[] {1f, 1f}, RowTensors.floats(RowTensors.bytes(Backends.cpu().full(1, DType.F32, 2), DType.F16), List.of(2), "float16", "x"));
    }
}
