package dev.reel.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Half;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads the real fixture files, and damaged copies of them. */
class SafetensorsFileTest {
    private static final FixtureSet SET = TestFixtures.locate();

    @TempDir Path tmp;

    // ------------------------------------------------------------------ reading the fixture set

    @Test
    void everyCaseFileOpensAndHoldsF32Tensors() {
        for (String c : SET.caseNames()) {
            try (SafetensorsFile f = SafetensorsFile.open(SET.file(c))) {
                assertFalse(f.keys().isEmpty(), c);
                for (String k : f.keys()) {
                    TensorInfo i = f.info(k);
                    assertEquals(DType.F32, i.dtype(), c + "/" + k);
                    assertEquals(i.numel() * 4, f.segment(k).byteSize(), c + "/" + k);
                    assertTrue(f.segment(k).isMapped(), "segments view the mapped file, no copy");
                }
            }
        }
    }

    @Test
    void shapesMatchTheManifest() {
        JsonNode tok = SET.caseConfig("tokenizer");
        int[] ids = {tok.get("prompts").size(), tok.get("max_length").intValue()};
        assertArrayEquals(ids, shape("tokenizer", "input_ids"));
        assertArrayEquals(ids, shape("tokenizer", "attention_mask"));

        for (String s : List.of("scheduler_unipc", "scheduler_euler")) {
            int n = SET.caseConfig(s).get("num_inference_steps").intValue();
            assertArrayEquals(new int[] {n}, shape(s, "timesteps"));
            assertArrayEquals(new int[] {n + 1}, shape(s, "sigmas"));
            int[] perStep = prepend(n, shape(s, "initial_sample"));
            assertArrayEquals(perStep, shape(s, "model_outputs"));
            assertArrayEquals(perStep, shape(s, "samples"));
        }

        JsonNode p = SET.caseConfig("pipeline");
        assertArrayEquals(new int[] {p.get("num_frames").intValue(), p.get("height").intValue(), p.get("width").intValue(), 3}, shape("pipeline", "frames"));
        assertArrayEquals(prepend(p.get("num_inference_steps").intValue(), shape("pipeline", "initial_latents")), shape("pipeline", "step_latents"));
        int[] emb = shape("pipeline", "prompt_embeds");
        assertEquals(p.get("max_sequence_length").intValue(), emb[1]);
        assertArrayEquals(emb, shape("pipeline", "negative_prompt_embeds"));

        int[] te = shape("text_encoder", "input_ids");
        assertArrayEquals(te, shape("text_encoder", "attention_mask"));
        assertArrayEquals(te, Arrays.copyOf(shape("text_encoder", "last_hidden_state"), 2));

        int[] hs = shape("transformer", "hidden_states");
        assertArrayEquals(hs, shape("transformer", "sample"));
        assertArrayEquals(new int[] {hs[0]}, shape("transformer", "timestep"));
        assertEquals(hs[0], shape("transformer", "encoder_hidden_states")[0]);

        JsonNode vae = readJson(SET.pipelineDir().resolve("vae/config.json"));
        int ts = vae.get("scale_factor_temporal").intValue(), ss = vae.get("scale_factor_spatial").intValue();
        int[] z = shape("vae_decode", "z");
        assertArrayEquals(new int[] {z[0], 3, ts * (z[2] - 1) + 1, ss * z[3], ss * z[4]}, shape("vae_decode", "video"));
        assertArrayEquals(shape("vae_encode", "mean"), shape("vae_encode", "logvar"));
    }

    @Test
    void tokenizerIdsAreIntegralAndMasksArePrefixesOfOnes() {
        int vocab = readJson(SET.pipelineDir().resolve("text_encoder/config.json")).get("vocab_size").intValue();
        try (SafetensorsFile f = SafetensorsFile.open(SET.file("tokenizer"))) {
            Tensor ids = f.load("input_ids", DType.F32, Backends.cpu());
            Tensor mask = f.load("attention_mask", DType.F32, Backends.cpu());
            float[] v = ids.toFloatArray(), m = mask.toFloatArray();
            int len = ids.size(1);
            for (int r = 0; r < ids.size(0); r++) {
                boolean inside = true;
                for (int j = 0; j < len; j++) {
                    float id = v[r * len + j], mk = m[r * len + j];
                    assertEquals(Math.rint(id), id, "ids are integers");
                    assertTrue(id >= 0 && id < vocab, "id " + id + " within vocabulary of " + vocab);
                    assertTrue(mk == 0 || mk == 1);
                    if (mk == 0) inside = false;
                    else assertTrue(inside, "mask is ones then zeros");
                    if (mk == 0) assertEquals(0, id, "padding is id 0");
                }
            }
            Tensor asI64 = f.load("input_ids", DType.I64, Backends.cpu());
            assertEquals(DType.I64, asI64.dtype());
            assertArrayEquals(v, asI64.toFloatArray());
        }
    }

    @Test
    void valuesEqualAnIndependentReadOfTheBytes() throws IOException {
        Path file = SET.file("transformer");
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long n = raw.getLong(0);
        JsonNode header = new ObjectMapper().readTree(Arrays.copyOfRange(raw.array(), 8, 8 + (int) n));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(header.size() - (header.has("__metadata__") ? 1 : 0), f.keys().size());
            for (String k : f.keys()) {
                int begin = header.get(k).get("data_offsets").get(0).intValue();
                float[] got = f.load(k, DType.F32, Backends.cpu()).toFloatArray();
                for (int i = 0; i < got.length; i++) assertEquals(raw.getFloat(8 + (int) n + begin + 4 * i), got[i], k + "[" + i + "]");
                float[] bf = f.load(k, DType.BF16, Backends.cpu()).toFloatArray();
                for (int i = 0; i < got.length; i++) assertEquals(Half.bf16ToFloat(Half.floatToBf16(got[i])), bf[i]);
            }
        }
    }

    @Test
    void pipelineWeightsOpenAndMatchTheirConfigs() throws IOException {
        Path dir = SET.pipelineDir();
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        for (Path p : files) {
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertEquals("pt", f.metadata().get("format"), p.toString());
                long bytes = 0;
                for (String k : f.keys()) bytes += f.info(k).byteSize();
                assertEquals(Files.size(p), 8 + headerLength(p) + bytes, "tensors tile the data section");
            }
        }
        JsonNode te = readJson(dir.resolve("text_encoder/config.json"));
        try (Checkpoint c = Checkpoint.open(dir.resolve("text_encoder"))) {
            assertArrayEquals(new int[] {te.get("vocab_size").intValue(), te.get("d_model").intValue()}, c.info("shared.weight").shape());
        }
        JsonNode tr = readJson(dir.resolve("transformer/config.json"));
        try (Checkpoint c = Checkpoint.open(dir.resolve("transformer"))) {
            Set<String> blocks = new HashSet<>();
            for (String k : c.keys()) if (k.startsWith("blocks.")) blocks.add(k.split("\\.")[1]);
            assertEquals(tr.get("num_layers").intValue(), blocks.size());
        }
    }

    @Test
    void unknownKeyAndClosedFileAreReported() {
        Path file = SET.file("tokenizer");
        SafetensorsFile f = SafetensorsFile.open(file);
        var e = assertThrows(SafetensorsException.class, () -> f.info("nope"));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains(file.toString()), e.getMessage());
        f.close();
        f.close();
        var closed = assertThrows(SafetensorsException.class, () -> f.segment("input_ids"));
        assertTrue(closed.problem().contains("closed"), closed.getMessage());
    }

    // ------------------------------------------------------------------ damaged copies

    @Test
    void missingFile() {
        expectBroken(tmp.resolve("absent.safetensors"), "cannot read");
    }

    @Test
    void tooShortForTheLength() throws IOException {
        expectBroken(Files.write(tmp.resolve("short.safetensors"), Arrays.copyOf(fixtureBytes(), 5)), "too short");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        byte[] b = fixtureBytes();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, b.length);
        expectBroken(Files.write(tmp.resolve("len.safetensors"), b), "exceeds");
    }

    @Test
    void headerLengthNegativeOrHuge() throws IOException {
        byte[] b = fixtureBytes();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
        expectBroken(Files.write(tmp.resolve("neg.safetensors"), b), "header length 18446744073709551615");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 0);
        expectBroken(Files.write(tmp.resolve("zero.safetensors"), b), "header length 0");
    }

    @Test
    void headerNotJson() throws IOException {
        byte[] b = fixtureBytes();
        b[8] = 'x';
        expectBroken(Files.write(tmp.resolve("json.safetensors"), b), "not valid JSON");
        expectBroken(rewrite("array", h -> "[1, 2]"), "not a JSON object");
        expectBroken(rewrite("trailing", h -> h.strip() + " {}"), "not valid JSON");
        expectBroken(rewrite("dup", h -> h.replaceFirst("\\{", "{\"input_ids\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},")), "not valid JSON");
    }

    @Test
    void headerNotUtf8() throws IOException {
        byte[] b = fixtureBytes();
        int i = new String(b, StandardCharsets.ISO_8859_1).indexOf("input_ids");
        b[i] = (byte) 0xC3;
        b[i + 1] = (byte) 0x28;
        expectBroken(Files.write(tmp.resolve("utf8.safetensors"), b), "not valid JSON");
    }

    @Test
    void unknownDtype() throws IOException {
        var e = expectBroken(rewrite("dtype", h -> h.replaceFirst("\"F32\"", "\"F64\"")), "'F64'");
        assertTrue(e.problem().contains("attention_mask"), "names the tensor: " + e.problem());
        expectBroken(rewrite("dtype2", h -> h.replaceFirst("\"dtype\":\"F32\"", "\"dtype\":7")), "no string 'dtype'");
    }

    @Test
    void offsetsNotMatchingShapeTimesDtype() throws IOException {
        expectBroken(rewrite("size", h -> h.replaceFirst("\\[6,16\\]", "[6,17]")), "needs 408 bytes");
        expectBroken(rewrite("bf16", h -> h.replaceFirst("\"F32\"", "\"BF16\"")), "needs 192 bytes");
        expectBroken(rewrite("negdim", h -> h.replaceFirst("\\[6,16\\]", "[-6,-16]")), "invalid dimension -6");
        expectBroken(rewrite("bigdim", h -> h.replaceFirst("\\[6,16\\]", "[6,4294967312]")), "invalid dimension");
        expectBroken(rewrite("fracdim", h -> h.replaceFirst("\\[6,16\\]", "[6,16.0]")), "invalid dimension");
        expectBroken(rewrite("reversed", h -> h.replaceFirst("\\[0,384\\]", "[384,0]")), "end before they begin");
        expectBroken(rewrite("noOffsets", h -> h.replaceFirst("\"data_offsets\":\\[0,384\\]", "\"data_offsets\":[0]")), "data_offsets");
    }

    @Test
    void overlappingOffsets() throws IOException {
        // both tensors claim bytes [0, 384); the section is still 768 bytes long
        expectBroken(rewrite("overlap", h -> h.replace("[384,768]", "[0,384]")), "overlap");
    }

    @Test
    void gapBetweenTensors() throws IOException {
        expectBroken(rewrite("gap", h -> h.replace("[0,384]", "[4,388]").replace("[384,768]", "[388,772]"), 4), "gap of 4");
    }

    @Test
    void truncatedData() throws IOException {
        byte[] b = fixtureBytes();
        for (int cut : new int[] {1, 4, 383, 384, 500}) {
            var e = expectBroken(Files.write(tmp.resolve("cut" + cut + ".safetensors"), Arrays.copyOf(b, b.length - cut)), "past the end");
            assertTrue(e.problem().contains("truncated"), e.problem());
        }
        expectBroken(Files.write(tmp.resolve("nodata.safetensors"), Arrays.copyOf(b, 8 + headerLength(SET.file("tokenizer")))), "past the end");
    }

    @Test
    void trailingBytesAfterTheData() throws IOException {
        byte[] b = fixtureBytes();
        expectBroken(Files.write(tmp.resolve("long.safetensors"), Arrays.copyOf(b, b.length + 8)), "data section has 776 bytes but the tensors cover 768");
    }

    @Test
    void metadataMustBeStrings() throws IOException {
        expectBroken(rewrite("meta", h -> h.replaceFirst("\\{", "{\"__metadata__\":{\"format\":1},")), "'format' is not a string");
        try (SafetensorsFile f = SafetensorsFile.open(rewrite("metaok", h -> h.replaceFirst("\\{", "{\"__metadata__\":{\"format\":\"pt\"},")))) {
            assertEquals("pt", f.metadata().get("format"));
            assertEquals(2, f.keys().size());
        }
    }

    /** Random damage to a real file's bytes must give a valid file or a SafetensorsException, nothing else. */
    @Test
    void randomDamageNeverEscapesAsAnotherError() throws IOException {
        byte[] good = fixtureBytes();
        Random rnd = new Random(7);
        int rejected = 0;
        for (int trial = 0; trial < 300; trial++) {
            byte[] b = good.clone();
            int hits = 1 + rnd.nextInt(3);
            for (int h = 0; h < hits; h++) b[rnd.nextInt(8 + headerLength(SET.file("tokenizer")))] = (byte) rnd.nextInt(256);
            if (rnd.nextBoolean()) b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
            Path p = Files.write(tmp.resolve("fuzz.safetensors"), b);
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                for (String k : f.keys()) f.load(k, DType.F32, Backends.cpu());
            } catch (SafetensorsException e) {
                rejected++;
                assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
            }
        }
        assertTrue(rejected > 150, "most damaged files are rejected, got " + rejected);
    }

    // ------------------------------------------------------------------ helpers

    private static int[] shape(String c, String key) {
        try (SafetensorsFile f = SafetensorsFile.open(SET.file(c))) {
            return f.info(key).shape();
        }
    }

    private static int[] prepend(int n, int[] s) {
        int[] r = new int[s.length + 1];
        r[0] = n;
        System.arraycopy(s, 0, r, 1, s.length);
        return r;
    }

    private static JsonNode readJson(Path p) {
        try {
            return new ObjectMapper().readTree(p.toFile());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static int headerLength(Path p) {
        try {
            byte[] b = Arrays.copyOf(Files.readAllBytes(p), 8);
            return (int) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The tokenizer case file: two F32 [6,16] tensors at [0,384) and [384,768). */
    private static byte[] fixtureBytes() throws IOException {
        return Files.readAllBytes(SET.file("tokenizer"));
    }

    /** A copy of the tokenizer fixture with its header text edited (re-measured) and its data kept. */
    private Path rewrite(String name, UnaryOperator<String> edit) throws IOException {
        return rewrite(name, edit, 0);
    }

    private Path rewrite(String name, UnaryOperator<String> edit, int extraLeadingDataBytes) throws IOException {
        byte[] b = fixtureBytes();
        int n = headerLength(SET.file("tokenizer"));
        String header = new String(b, 8, n, StandardCharsets.UTF_8);
        byte[] h = edit.apply(header).getBytes(StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(b, 8 + n, b.length);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + extraLeadingDataBytes + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(new byte[extraLeadingDataBytes]).put(data);
        return Files.write(tmp.resolve(name + ".safetensors"), out.array());
    }

    private static SafetensorsException expectBroken(Path p, String problemPart) {
        var e = assertThrows(SafetensorsException.class, () -> {
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                f.keys();
            }
        });
        assertEquals(p, e.file());
        assertTrue(e.getMessage().contains(p.toString()), "names the file: " + e.getMessage());
        assertTrue(e.problem().contains(problemPart), "expected '" + problemPart + "' in: " + e.problem());
        return e;
    }

}
