package dev.reel.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.TestFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharded checkpoints: the real transformer weights split into shards with an index, as HF writes them. */
class CheckpointTest {
    private static final Backend CPU = Backends.cpu();
    private static final String INDEX = "diffusion_pytorch_model.safetensors.index.json";

    @TempDir Path tmp;

    /** Splits the fixture transformer's weights over 3 shards and writes the index. */
    private Map<String, Tensor> shard(Path dir) throws IOException {
        Map<String, Tensor> all = new HashMap<>();
        StringBuilder map = new StringBuilder();
        try (Checkpoint src = Checkpoint.open(TestFixtures.locate().pipelineDir().resolve("transformer"))) {
            List<Map<String, Tensor>> shards = List.of(new HashMap<>(), new HashMap<>(), new HashMap<>());
            int i = 0;
            for (String k : src.keys()) {
                Tensor t = src.load(k, null, CPU);
                all.put(k, t);
                int s = i++ % 3;
                shards.get(s).put(k, t);
                map.append(map.isEmpty() ? "" : ",").append('"').append(k).append("\":\"").append(name(s)).append('"');
            }
            for (int s = 0; s < 3; s++) SafetensorsWriter.write(dir.resolve(name(s)), shards.get(s));
        }
        Files.writeString(dir.resolve(INDEX), "{\"metadata\":{\"total_size\":1234},\"weight_map\":{" + map + "}}");
        return all;
    }

    private static String name(int s) { return "diffusion_pytorch_model-0000" + (s + 1) + "-of-00003.safetensors"; }

    @Test
    void readsShardsThroughTheIndexOrTheFolder() throws IOException {
        Map<String, Tensor> all = shard(tmp);
        for (Path p : List.of(tmp.resolve(INDEX), tmp)) {
            try (Checkpoint c = Checkpoint.open(p)) {
                assertEquals(3, c.files().size());
                assertEquals(new TreeSet<>(all.keySet()), c.keys());
                assertEquals("1234", c.metadata().get("total_size"));
                for (var e : all.entrySet()) {
                    assertArrayEquals(e.getValue().shape(), c.info(e.getKey()).shape());
                    assertArrayEquals(e.getValue().toFloatArray(), c.load(e.getKey(), DType.F32, CPU).toFloatArray(), e.getKey());
                }
            }
        }
    }

    @Test
    void singleFileCheckpoint() {
        Path f = TestFixtures.locate().file("transformer");
        try (Checkpoint c = Checkpoint.open(f); SafetensorsFile s = SafetensorsFile.open(f)) {
            assertEquals(s.keys(), c.keys());
            assertEquals(1, c.files().size());
            assertArrayEquals(s.load("sample", null, CPU).toFloatArray(), c.load("sample", null, CPU).toFloatArray());
            var e = assertThrows(SafetensorsException.class, () -> c.info("missing.weight"));
            assertTrue(e.getMessage().contains("missing.weight"));
        }
    }

    @Test
    void missingShard() throws IOException {
        shard(tmp);
        Files.delete(tmp.resolve(name(1)));
        var e = assertThrows(SafetensorsException.class, () -> Checkpoint.open(tmp.resolve(INDEX)));
        assertEquals(tmp.resolve(INDEX), e.file());
        assertTrue(e.problem().contains(name(1)) && e.problem().contains("does not exist"), e.getMessage());
    }

    @Test
    void indexPointingAtTheWrongShard() throws IOException {
        shard(tmp);
        String idx = Files.readString(tmp.resolve(INDEX));
        String first = idx.substring(idx.indexOf("\"weight_map\":{\"") + 15);
        String key = first.substring(0, first.indexOf('"'));
        String wrong = idx.replace("\"" + key + "\":\"" + name(0) + "\"", "\"" + key + "\":\"" + name(1) + "\"");
        Files.writeString(tmp.resolve(INDEX), wrong);
        var e = assertThrows(SafetensorsException.class, () -> Checkpoint.open(tmp));
        assertTrue(e.problem().contains(key) && e.problem().contains("does not hold it"), e.getMessage());
    }

    @Test
    void malformedIndex() throws IOException {
        Path idx = tmp.resolve("m.safetensors.index.json");
        Files.writeString(idx, "{\"weight_map\": [1]}");
        assertTrue(assertThrows(SafetensorsException.class, () -> Checkpoint.open(idx)).problem().contains("weight_map"));
        Files.writeString(idx, "{\"weight_map\": {\"a\": \"../outside.safetensors\"}}");
        assertTrue(assertThrows(SafetensorsException.class, () -> Checkpoint.open(idx)).problem().contains("outside"));
        Files.writeString(idx, "{\"weight_map\": {\"a\": 3}}");
        assertTrue(assertThrows(SafetensorsException.class, () -> Checkpoint.open(idx)).problem().contains("not a file name"));
        Files.writeString(idx, "{\"weight_map\": ");
        assertTrue(assertThrows(SafetensorsException.class, () -> Checkpoint.open(idx)).problem().contains("JSON"));
    }

    @Test
    void folderMustBeUnambiguous() throws IOException {
        var none = assertThrows(SafetensorsException.class, () -> Checkpoint.open(tmp));
        assertTrue(none.problem().contains("no .safetensors"), none.getMessage());
        SafetensorsWriter.write(tmp.resolve("a.safetensors"), Map.of("x", CPU.zeros(DType.F32, 1)));
        try (Checkpoint c = Checkpoint.open(tmp)) {
            assertEquals(Set.of("x"), c.keys());
        }
        SafetensorsWriter.write(tmp.resolve("b.safetensors"), Map.of("y", CPU.zeros(DType.F32, 1)));
        var two = assertThrows(SafetensorsException.class, () -> Checkpoint.open(tmp));
        assertTrue(two.problem().contains("a.safetensors") && two.problem().contains("b.safetensors"), two.getMessage());
    }
}
