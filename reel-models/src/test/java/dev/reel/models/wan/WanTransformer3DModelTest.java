package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.models.nn.WeightMismatchException;
import dev.reel.models.nn.WeightSource;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WanTransformer3DModelTest {
    private static final String CASE = "transformer";
    private static FixtureSet fixtures;
    private static WanTransformer3DModel model;

    @BeforeAll
    static void load() {
        fixtures = TestFixtures.locate();
        model = WanTransformer3DModel.load(fixtures.pipelineDir().resolve("transformer"), DType.F32, Backends.cpu());
    }

    /** The fixture's Diffusers output for a batch of two with different timesteps. */
    @Test
    void matchesDiffusers() {
        Tensor hiddenStates = fixtures.tensor(CASE, "hidden_states");
        float[] timestep = fixtures.tensor(CASE, "timestep").toFloatArray();
        Tensor text = fixtures.tensor(CASE, "encoder_hidden_states");
        Tensor ref = fixtures.tensor(CASE, "sample");

        Tensor out = model.forward(hiddenStates, timestep, text);

        assertArrayEquals(ref.shape(), out.shape());
        double err = Compare.relErr(out, ref);
        double rtol = fixtures.rtol(CASE);
        System.out.printf("transformer parity: rel. error %.3g (rtol %.0e)%n", err, rtol);
        assertTrue(err <= rtol, "relative error " + err + " > rtol " + rtol);
    }

    /**
     * Loaded as bf16 (a GPU storage format; the CPU computes in fp32 only), the time embedder, the modulation
     * tables and the affine norms stay fp32 as Diffusers' {@code _keep_in_fp32_modules} keeps them.
     */
    @Test
    void bf16LoadKeepsReferenceModulesInFp32() {
        var bf16 = WanTransformer3DModel.load(fixtures.pipelineDir().resolve("transformer"), DType.BF16, Backends.cpu());
        assertEquals(DType.BF16, bf16.dtype());
        assertEquals(DType.BF16, bf16.blocks.get(0).attn1.toQ.weight.get().dtype());
        assertEquals(DType.BF16, bf16.conditionEmbedder.timeProj.weight.get().dtype());
        assertEquals(DType.F32, bf16.blocks.get(0).scaleShiftTable.get().dtype());
        assertEquals(DType.F32, bf16.blocks.get(1).norm2.weight.get().dtype());
        assertEquals(DType.F32, bf16.conditionEmbedder.timeEmbedder.linear1.weight.get().dtype());
        assertEquals(DType.F32, bf16.scaleShiftTable.get().dtype());
    }

    /** Each batch element depends only on its own inputs; one timestep may serve the whole batch. */
    @Test
    void batchElementsAreIndependent() {
        Tensor hiddenStates = fixtures.tensor(CASE, "hidden_states");
        float[] timestep = fixtures.tensor(CASE, "timestep").toFloatArray();
        Tensor text = fixtures.tensor(CASE, "encoder_hidden_states");
        Tensor both = model.forward(hiddenStates, timestep, text);
        for (int i = 0; i < 2; i++) {
            Tensor one = model.forward(hiddenStates.narrow(0, i, 1), new float[] {timestep[i]}, text.narrow(0, i, 1));
            assertTrue(Compare.relErr(one, both.narrow(0, i, 1)) < 1e-6);
        }
        Tensor shared = model.forward(hiddenStates, new float[] {timestep[1]}, text);
        assertTrue(Compare.relErr(shared.narrow(0, 1, 1), both.narrow(0, 1, 1)) < 1e-6);
        assertTrue(Compare.relErr(shared.narrow(0, 0, 1), both.narrow(0, 0, 1)) > 1e-3, "timestep must matter");
    }

    /** The forward frees every intermediate: the caller's scope receives only the output. */
    @Test
    void forwardLeavesOnlyItsOutput() {
        try (Scope scope = Scope.open()) {
            Tensor hiddenStates = fixtures.tensor(CASE, "hidden_states");
            Tensor text = fixtures.tensor(CASE, "encoder_hidden_states");
            int before = scope.ownedCount();
            Tensor out = model.forward(hiddenStates, new float[] {500f}, text);
            assertEquals(before + 1, scope.ownedCount());
            assertTrue(!out.storage().isFreed());
        }
    }

    @Test
    void rejectsWrongInputShapes() {
        Backend cpu = Backends.cpu();
        Tensor text = cpu.zeros(DType.F32, 1, 4, 32);
        assertThrows(ShapeException.class, () -> model.forward(cpu.zeros(DType.F32, 1, 8, 1, 4, 4), new float[] {1}, text));
        assertThrows(ShapeException.class, () -> model.forward(cpu.zeros(DType.F32, 1, 16, 1, 3, 4), new float[] {1}, text));
        assertThrows(ShapeException.class, () -> model.forward(cpu.zeros(DType.F32, 1, 16, 1, 4, 4), new float[] {1, 2}, text));
        assertThrows(ShapeException.class, () -> model.forward(cpu.zeros(DType.F32, 1, 16, 1, 4, 4), new float[] {1}, cpu.zeros(DType.F32, 1, 4, 16)));
    }

    /** Keys the checkpoint lacks or adds are reported together, by name. */
    @Test
    void reportsMismatchedCheckpointKeys() {
        var params = model.namedParameters();
        Set<String> keys = new HashSet<>(params.keySet());
        keys.remove("blocks.1.attn2.norm_k.weight");
        keys.add("blocks.1.attn2.norm_added_k.weight");
        WeightSource source = new WeightSource() {
            public Set<String> keys() { return keys; }
            public int[] shape(String key) { return params.containsKey(key) ? params.get(key).shape() : new int[] {24}; }
            public Tensor load(String key, DType dtype, Backend backend) { throw new AssertionError("must not load"); }
            public String describe() { return "test source"; }
        };
        var fresh = new WanTransformer3DModel(model.config());
        var e = assertThrows(WeightMismatchException.class, () -> fresh.loadWeights(source, DType.F32, Backends.cpu()));
        assertEquals(java.util.List.of("blocks.1.attn2.norm_k.weight"), e.missing());
        assertEquals(java.util.List.of("blocks.1.attn2.norm_added_k.weight"), e.unexpected());
    }
}
