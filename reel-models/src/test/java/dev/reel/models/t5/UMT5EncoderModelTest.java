package dev.reel.models.t5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.core.safetensors.SafetensorsFile;
import dev.reel.core.safetensors.SafetensorsWriter;
import dev.reel.models.nn.WeightMismatchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UMT5EncoderModelTest {
    private static final String CASE = "text_encoder";
    private final FixtureSet set = TestFixtures.locate();
    private final Path folder = set.pipelineDir().resolve("text_encoder");

    private static int[] ints(Tensor t) {
        float[] f = t.toFloatArray();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) out[i] = Math.round(f[i]);
        return out;
    }

    private Tensor encodeFixture(UMT5EncoderModel model) {
        Tensor ids = set.tensor(CASE, "input_ids");
        return model.forward(ints(ids), ints(set.tensor(CASE, "attention_mask")), ids.size(0), ids.size(1));
    }

    @Test
    void lastHiddenStateMatchesReference() {
        UMT5EncoderModel model = UMT5EncoderModel.load(folder, DType.F32, Backends.cpu());
        Tensor out = encodeFixture(model);
        Tensor ref = set.tensor(CASE, "last_hidden_state");
        assertArrayEquals(ref.shape(), out.shape());
        double err = Compare.relErr(out, ref);
        System.out.printf("text_encoder: last_hidden_state rel err %.3e (rtol %.0e)%n", err, set.rtol(CASE));
        assertTrue(err <= set.rtol(CASE), "rel err " + err);
    }

    /**
     * Checkpoints may store the tied embedding as encoder.embed_tokens.weight only, or under both names.
     * (Compared within 1e-6, not exactly: the CPU kernels' float rounding changes once the JIT compiles them.)
     */
    @Test
    void tiedEmbeddingLoadsFromEitherKey(@TempDir Path tmp) throws IOException {
        Tensor ref = encodeFixture(UMT5EncoderModel.load(folder, DType.F32, Backends.cpu()));
        Map<String, Tensor> stored = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(folder.resolve("model.safetensors"))) {
            for (String k : f.keys()) stored.put(k, f.load(k, DType.F32, Backends.cpu()));
        }
        Tensor embedding = stored.remove(UMT5EncoderModel.SHARED);

        Path onlyTied = Files.createDirectories(tmp.resolve("only_embed_tokens"));
        Files.copy(folder.resolve("config.json"), onlyTied.resolve("config.json"));
        Map<String, Tensor> renamed = new LinkedHashMap<>(stored);
        renamed.put(UMT5EncoderModel.EMBED_TOKENS, embedding);
        SafetensorsWriter.write(onlyTied.resolve("model.safetensors"), renamed);
        assertTrue(Compare.relErr(encodeFixture(UMT5EncoderModel.load(onlyTied, DType.F32, Backends.cpu())), ref) < 1e-6);

        Path both = Files.createDirectories(tmp.resolve("both"));
        Files.copy(folder.resolve("config.json"), both.resolve("config.json"));
        renamed.put(UMT5EncoderModel.SHARED, embedding);
        SafetensorsWriter.write(both.resolve("model.safetensors"), renamed);
        assertTrue(Compare.relErr(encodeFixture(UMT5EncoderModel.load(both, DType.F32, Backends.cpu())), ref) < 1e-6);

        Path missing = Files.createDirectories(tmp.resolve("missing"));
        Files.copy(folder.resolve("config.json"), missing.resolve("config.json"));
        SafetensorsWriter.write(missing.resolve("model.safetensors"), stored);
        var e = assertThrows(WeightMismatchException.class, () -> UMT5EncoderModel.load(missing, DType.F32, Backends.cpu()));
        assertTrue(e.getMessage().contains(UMT5EncoderModel.SHARED), e.getMessage());
    }

    /** Padded keys are masked out: changing the ids under padding leaves every real token's output unchanged. */
    @Test
    void paddingDoesNotLeakIntoRealTokens() {
        Umt5Config c = Umt5Config.read(folder);
        UMT5EncoderModel model = UMT5EncoderModel.random(c, 7, DType.F32, Backends.cpu());
        int len = 6;
        int[] mask = {1, 1, 1, 1, 0, 0};
        int[] a = {5, 9, 3, 1, 0, 0};
        int[] b = {5, 9, 3, 1, 42, 17};
        float[] oa = model.forward(a, mask, 1, len).toFloatArray();
        float[] ob = model.forward(b, mask, 1, len).toFloatArray();
        int real = 4 * c.dModel();
        for (int i = 0; i < real; i++) assertEquals(oa[i], ob[i], 1e-6f, "real-token output " + i);
        boolean differs = false;
        for (int i = real; i < oa.length; i++) differs |= Math.abs(oa[i] - ob[i]) > 1e-4f;
        assertTrue(differs, "padded positions should still see their own ids");
    }

    @Test
    void rejectsMismatchedInputs() {
        UMT5EncoderModel model = UMT5EncoderModel.random(Umt5Config.read(folder), 1, DType.F32, Backends.cpu());
        assertThrows(ShapeException.class, () -> model.forward(new int[6], new int[5], 2, 3));
    }

    @Test
    void maskBiasUsesTheDtypeMinimum() {
        assertArrayEquals(new float[] {0, -Float.MAX_VALUE}, UMT5EncoderModel.maskBias(new int[] {1, 0}, DType.F32));
        assertEquals(-3.3895314e38f, UMT5EncoderModel.maskBias(new int[] {0}, DType.BF16)[0], 1e31f);
        assertEquals(-65504f, UMT5EncoderModel.maskBias(new int[] {0}, DType.F16)[0]);
    }

    /**
     * Asked for a 16-bit dtype, the loader keeps every {@code wo} (and nothing else) fp32, read unrounded from the
     * checkpoint; asked explicitly not to, or for fp32, every weight has the one dtype. (The CPU computes in fp32
     * only, so this checks the loader's decision; the 16-bit forward runs on the GPU.)
     */
    @Test
    void sixteenBitLoadsKeepWoInFp32() {
        for (DType dt : new DType[] {DType.BF16, DType.F16}) {
            assertTrue(UMT5EncoderModel.keepsWoInFp32(dt));
            UMT5EncoderModel model = UMT5EncoderModel.load(folder, dt, Backends.cpu());
            int wo = 0;
            for (var e : model.namedParameters().entrySet()) {
                boolean isWo = e.getKey().endsWith(".DenseReluDense.wo.weight");
                assertEquals(isWo ? DType.F32 : dt, e.getValue().get().dtype(), e.getKey());
                if (isWo) wo++;
            }
            assertEquals(model.config().numLayers(), wo, "one wo per block");
        }
        UMT5EncoderModel bf16 = UMT5EncoderModel.load(folder, DType.BF16, Backends.cpu());
        UMT5EncoderModel fp32 = UMT5EncoderModel.load(folder, DType.F32, Backends.cpu());
        String key = "encoder.block.0.layer.1.DenseReluDense.wo.weight";
        assertArrayEquals(fp32.namedParameters().get(key).get().toFloatArray(), bf16.namedParameters().get(key).get().toFloatArray(), 0f,
                "kept wo holds the stored fp32 values, not bf16-rounded ones");

        assertFalse(UMT5EncoderModel.keepsWoInFp32(DType.F32));
        UMT5EncoderModel plain = UMT5EncoderModel.load(folder, DType.BF16, false, Backends.cpu());
        plain.namedParameters().forEach((k, p) -> assertEquals(DType.BF16, p.get().dtype(), k));
    }

    /** {@code wo} is matched as a whole key component, as Transformers' {@code (^|\.)wo($|\.)}. */
    @Test
    void keepRuleMatchesWholeKeyComponents() {
        assertEquals(DType.F32, UMT5EncoderModel.dtypeOf("encoder.block.3.layer.1.DenseReluDense.wo.weight", DType.BF16, true));
        assertEquals(DType.BF16, UMT5EncoderModel.dtypeOf("encoder.block.3.layer.0.SelfAttention.o.weight", DType.BF16, true));
        assertEquals(DType.BF16, UMT5EncoderModel.dtypeOf("encoder.block.3.layer.1.DenseReluDense.wi_0.weight", DType.BF16, true));
        assertEquals(DType.BF16, UMT5EncoderModel.dtypeOf("encoder.two.weight", DType.BF16, true));
        assertEquals(DType.BF16, UMT5EncoderModel.dtypeOf("encoder.block.3.layer.1.DenseReluDense.wo.weight", DType.BF16, false));
    }

    /** A residual of a 16-bit stream and an fp32 {@code wo} output is fp32, as PyTorch promotes it. */
    @Test
    void residualPromotesToFp32() {
        var cpu = Backends.cpu();
        Tensor x = cpu.fromFloats(new float[] {1.5f, -2f, 0.25f}, DType.BF16, 1, 3);
        Tensor y = cpu.fromFloats(new float[] {1e-3f, 2e-3f, -3e-3f}, DType.F32, 1, 3);
        Tensor sum = Umt5Block.residual(x, y);
        assertEquals(DType.F32, sum.dtype());
        assertArrayEquals(new float[] {1.501f, -1.998f, 0.247f}, sum.toFloatArray(), 1e-7f);
    }
}
