package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.models.image.I2vFixtures;
import dev.reel.models.nn.DitHooks;
import dev.reel.models.nn.ConfigException;
import org.junit.jupiter.api.Test;

/** The image branch of the Wan transformer (Wan2.1 I2V and FLF2V layouts). */
class WanTransformerImageToVideoTest {

    /** Diffusers' WanTransformer3DModel with image_dim/added_kv_proj_dim (and pos_embed_seq_len for FLF2V). */
    @Test
    void matchesDiffusers() {
        for (String name : new String[] {I2vFixtures.I2V, I2vFixtures.FLF2V}) {
            FixtureSet set = I2vFixtures.require(name);
            WanTransformer3DModel m = WanTransformer3DModel.load(set.pipelineDir().resolve("transformer"), DType.F32, Backends.cpu());
            assertTrue(m.config().hasImageBranch());
            String c = "transformer";
            Tensor out = m.forward(set.tensor(c, "hidden_states"), set.tensor(c, "timestep").toFloatArray(),
                    set.tensor(c, "encoder_hidden_states"), set.tensor(c, "encoder_hidden_states_image"), DitHooks.NONE);
            Tensor ref = set.tensor(c, "sample");
            assertArrayEquals(ref.shape(), out.shape());
            double err = Compare.relErr(out, ref);
            System.out.printf("%s transformer: rel. error %.3g (rtol %.0e)%n", name, err, set.rtol(c));
            assertTrue(err <= set.rtol(c), name + ": relative error " + err);
        }
    }

    private static WanTransformerConfig config(int posEmbedSeqLen) {
        return new WanTransformerConfig(new int[] {1, 2, 2}, 2, 8, 36, 16, 12, 32, 24, 1, true, 1e-6, 16, 10, 16, posEmbedSeqLen);
    }

    @Test
    void imageStatesChangeThePredictionAndAreChecked() {
        Backend cpu = Backends.cpu();
        WanTransformer3DModel m = WanTransformer3DModel.random(config(0), 5, DType.F32, cpu);
        assertNotNull(m.blocks.getFirst().attn2.addKProj);
        assertNull(m.blocks.getFirst().attn1.addKProj);
        assertNull(m.conditionEmbedder.imageEmbedder.posEmbed);
        Tensor x = cpu.full(0.3f, DType.F32, 1, 36, 2, 4, 4);
        Tensor text = cpu.full(0.2f, DType.F32, 1, 7, 12);
        Tensor a = m.forward(x, new float[] {500}, text, random(cpu, 1, 1, 5, 10), DitHooks.NONE);
        Tensor b = m.forward(x, new float[] {500}, text, random(cpu, 2, 1, 5, 10), DitHooks.NONE);
        assertArrayEquals(new int[] {1, 16, 2, 4, 4}, a.shape());
        assertTrue(Compare.relErr(a, b) > 1e-4, "the image states must influence the output");
        var e = assertThrows(ShapeException.class, () -> m.forward(x, new float[] {500}, text));
        assertTrue(e.getMessage().contains("encoder_hidden_states_image"), e.getMessage());
        e = assertThrows(ShapeException.class, () -> m.forward(x, new float[] {500}, text, cpu.full(0f, DType.F32, 1, 5, 9), DitHooks.NONE));
        assertTrue(e.getMessage().contains("[1, N, 10]"), e.getMessage());
    }

    /** Seeded values in [−1, 1) (a constant would be normalised away by the image embedder's first LayerNorm). */
    private static Tensor random(Backend b, long seed, int... shape) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextDouble(-1, 1);
        return b.fromFloats(v, DType.F32, shape);
    }

    @Test
    void firstAndLastFrameModelsTakeTwoImagesPerSample() {
        Backend cpu = Backends.cpu();
        WanTransformer3DModel m = WanTransformer3DModel.random(config(10), 5, DType.F32, cpu);
        assertEquals(2, m.config().imagesPerSample());
        Tensor x = cpu.full(0.3f, DType.F32, 1, 36, 1, 2, 2);
        Tensor text = cpu.full(0.2f, DType.F32, 1, 3, 12);
        assertArrayEquals(new int[] {1, 16, 1, 2, 2}, m.forward(x, new float[] {10}, text, cpu.full(0.1f, DType.F32, 2, 5, 10), DitHooks.NONE).shape());
        var e = assertThrows(ShapeException.class, () -> m.forward(x, new float[] {10}, text, cpu.full(0.1f, DType.F32, 1, 5, 10), DitHooks.NONE));
        assertTrue(e.getMessage().contains("2 image(s) per sample"), e.getMessage());
    }

    @Test
    void textToVideoModelsRefuseImageStatesAndIncompleteBranchesAreRefused() {
        Backend cpu = Backends.cpu();
        WanTransformerConfig t2v = new WanTransformerConfig(new int[] {1, 2, 2}, 2, 8, 16, 16, 12, 32, 24, 1, true, 1e-6, 16);
        WanTransformer3DModel m = WanTransformer3DModel.random(t2v, 5, DType.F32, cpu);
        var e = assertThrows(ShapeException.class, () -> m.forward(cpu.full(0f, DType.F32, 1, 16, 1, 2, 2), new float[] {1},
                cpu.full(0f, DType.F32, 1, 3, 12), cpu.full(0f, DType.F32, 1, 5, 10), DitHooks.NONE));
        assertTrue(e.getMessage().contains("no image branch"), e.getMessage());
        assertThrows(ConfigException.class, () -> new WanTransformerConfig(new int[] {1, 2, 2}, 2, 8, 36, 16, 12, 32, 24, 1, true, 1e-6, 16, 10, 12, 0));
        assertThrows(ConfigException.class, () -> new WanTransformerConfig(new int[] {1, 2, 2}, 2, 8, 36, 16, 12, 32, 24, 1, true, 1e-6, 16, 0, 16, 0));
    }
}
