package dev.reel.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Half;
import dev.reel.core.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
    private static final Backend CPU = Backends.cpu();

    @TempDir Path tmp;

    @Test
    void roundTripsEveryWritableDtypeExactly() {
        Random rnd = new Random(1);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("z.f32", CPU.fromFloats(random(rnd, 3 * 5 * 7), DType.F32, 3, 5, 7));
        in.put("a.bf16", CPU.fromFloats(random(rnd, 4 * 9), DType.BF16, 4, 9));
        in.put("m.f16", CPU.fromFloats(random(rnd, 11), DType.F16, 11));
        in.put("scalar", CPU.fromFloats(new float[] {3.25f}, DType.F32));
        in.put("empty", CPU.zeros(DType.F16, 0, 4));
        in.put("special", CPU.fromFloats(new float[] {Float.POSITIVE_INFINITY, -0f, Float.MIN_VALUE, -1e30f}, DType.F32, 4));
        Path file = tmp.resolve("rt.safetensors");
        SafetensorsWriter.write(file, in, Map.of("format", "pt", "note", "ünïcode"));

        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(in.keySet(), f.keys());
            assertEquals(Map.of("format", "pt", "note", "ünïcode"), f.metadata());
            for (var e : in.entrySet()) {
                Tensor t = e.getValue();
                TensorInfo i = f.info(e.getKey());
                assertEquals(t.dtype(), i.dtype(), e.getKey());
                assertArrayEquals(t.shape(), i.shape(), e.getKey());
                Tensor back = f.load(e.getKey(), null, CPU);
                assertEquals(t.dtype(), back.dtype());
                assertArrayEquals(t.toFloatArray(), back.toFloatArray(), e.getKey());
            }
        }
    }

    @Test
    void bf16AndF16BitsAreTheRoundedFloats() throws IOException {
        float[] v = {1f, 1.00390625f, 1.01171875f, -3.14159f, 65504f, 1e-8f};
        Path file = tmp.resolve("bits.safetensors");
        SafetensorsWriter.write(file, Map.of("b", CPU.fromFloats(v, DType.BF16, v.length), "h", CPU.fromFloats(v, DType.F16, v.length)));
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int start = 8 + (int) raw.getLong(0);
        JsonNode h = header(file);
        int b0 = h.get("b").get("data_offsets").get(0).intValue(), h0 = h.get("h").get("data_offsets").get(0).intValue();
        for (int i = 0; i < v.length; i++) {
            assertEquals(Half.floatToBf16(v[i]), raw.getShort(start + b0 + 2 * i));
            assertEquals(Half.floatToF16(v[i]), raw.getShort(start + h0 + 2 * i));
        }
    }

    @Test
    void headerIsPaddedWithSpacesAndOrderedByElementSizeThenName() throws IOException {
        for (int extra = 0; extra < 8; extra++) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("b" + "x".repeat(extra), CPU.zeros(DType.BF16, 3));
            in.put("a", CPU.zeros(DType.F16, 1));
            in.put("c", CPU.zeros(DType.F32, 2));
            Path file = tmp.resolve("pad" + extra + ".safetensors");
            SafetensorsWriter.write(file, in);
            byte[] b = Files.readAllBytes(file);
            long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertEquals(0, n % 8, "header length is a multiple of 8");
            String text = new String(b, 8, (int) n, StandardCharsets.UTF_8);
            String json = text.stripTrailing();
            assertTrue(json.endsWith("}"));
            assertTrue(text.length() - json.length() < 8);
            assertFalse(text.substring(json.length()).chars().anyMatch(ch -> ch != ' '), "padding is spaces");

            List<String> names = new ArrayList<>();
            List<Long> begins = new ArrayList<>();
            header(file).properties().forEach(e -> { names.add(e.getKey()); begins.add(e.getValue().get("data_offsets").get(0).longValue()); });
            assertEquals(List.of("c", "a", "b" + "x".repeat(extra)), names);
            assertEquals(List.of(0L, 8L, 10L), begins);
            assertEquals(8 + n + 16, b.length);
        }
    }

    @Test
    void writesStridedViewsInLogicalOrder() {
        float[] v = new float[6];
        for (int i = 0; i < v.length; i++) v[i] = i;
        Tensor t = CPU.fromFloats(v, DType.F32, 2, 3).transpose(0, 1);
        Path file = tmp.resolve("view.safetensors");
        SafetensorsWriter.write(file, Map.of("t", t));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertArrayEquals(new int[] {3, 2}, f.info("t").shape());
            assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, f.load("t", DType.F32, CPU).toFloatArray());
        }
    }

    @Test
    void rejectsWhatItCannotStore() {
        Path file = tmp.resolve("bad.safetensors");
        var e = assertThrows(SafetensorsException.class, () -> SafetensorsWriter.write(file, Map.of("ids", CPU.zeros(DType.I64, 2))));
        assertTrue(e.problem().contains("I64"), e.getMessage());
        assertThrows(SafetensorsException.class, () -> SafetensorsWriter.write(file, Map.of("__metadata__", CPU.zeros(DType.F32, 2))));
        assertFalse(Files.exists(file));
        var io = assertThrows(SafetensorsException.class, () -> SafetensorsWriter.write(tmp.resolve("no/such/dir/x.safetensors"), Map.of("a", CPU.zeros(DType.F32, 1))));
        assertTrue(io.problem().contains("cannot write"), io.getMessage());
    }

    @Test
    void overwritesAnExistingFile() {
        Path file = tmp.resolve("over.safetensors");
        SafetensorsWriter.write(file, Map.of("a", CPU.full(1f, DType.F32, 100)));
        SafetensorsWriter.write(file, Map.of("b", CPU.full(2f, DType.F32, 1)));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(java.util.Set.of("b"), f.keys());
            assertEquals(2f, f.load("b", null, CPU).item());
        }
        assertFalse(Files.exists(tmp.resolve("over.safetensors.tmp")));
    }

    private static float[] random(Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian() * 3;
        return f;
    }

    private static JsonNode header(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        return new ObjectMapper().readTree(Arrays.copyOfRange(b, 8, 8 + (int) n));
    }
}
