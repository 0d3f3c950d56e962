package dev.reel.models.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.models.image.I2vFixtures;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;
import org.junit.jupiter.api.Test;

class ClipVisionModelTest {

    /** Transformers' CLIPVisionModel, both activations the configs use (gelu: Wan's ViT-H/14; quick_gelu: OpenAI's). */
    @Test
    void matchesTransformers() {
        FixtureSet set = I2vFixtures.require(I2vFixtures.I2V);
        for (String c : new String[] {"image_encoder", "image_encoder_quick_gelu"}) {
            ClipVisionModel model = ClipVisionModel.load(set.root().resolve(set.caseConfig(c).get("model").textValue()), DType.F32, Backends.cpu());
            assertEquals(set.caseConfig(c).get("hidden_act").textValue(), model.config().hiddenAct().configName);
            ClipVisionModel.Output out = model.forward(set.tensor(c, "pixel_values"));
            check(set, c, "penultimate_hidden_states", out.penultimateHiddenStates());
            check(set, c, "last_hidden_state", out.lastHiddenState());
            check(set, c, "pooler_output", out.pooled());
            Tensor penultimate = model.penultimateHiddenStates(set.tensor(c, "pixel_values"));
            assertArrayEquals(out.penultimateHiddenStates().toFloatArray(), penultimate.toFloatArray());
        }
    }

    private static void check(FixtureSet set, String c, String key, Tensor got) {
        Tensor ref = set.tensor(c, key);
        assertArrayEquals(ref.shape(), got.shape(), c + " " + key);
        double err = Compare.relErr(got, ref);
        System.out.printf("%s %s: rel. error %.3g (rtol %.0e)%n", c, key, err, set.rtol(c));
        assertTrue(err <= set.rtol(c), c + " " + key + ": relative error " + err);
    }

    private static ClipVisionConfig tiny(ClipActivation act) {
        return new ClipVisionConfig(16, 24, 2, 2, 16, 4, 3, act, 1e-5);
    }

    @Test
    void shapesFollowTheConfig() {
        ClipVisionModel m = ClipVisionModel.random(tiny(ClipActivation.GELU), 3, DType.F32, Backends.cpu());
        Tensor px = Backends.cpu().full(0.1f, DType.F32, 2, 3, 16, 16);
        ClipVisionModel.Output out = m.forward(px);
        assertArrayEquals(new int[] {2, 17, 16}, out.penultimateHiddenStates().shape());
        assertArrayEquals(new int[] {2, 17, 16}, out.lastHiddenState().shape());
        assertArrayEquals(new int[] {2, 16}, out.pooled().shape());
        var e = assertThrows(ShapeException.class, () -> m.forward(Backends.cpu().full(0f, DType.F32, 1, 3, 15, 16)));
        assertTrue(e.getMessage().contains("pixel_values"), e.getMessage());
    }

    /**
     * Transformers 5 saves a CLIPVisionModel without the {@code vision_model.} prefix (Transformers 4, and Wan's published
     * image encoder, with it); both load, to the same weights, and a stray key is still reported.
     */
    @Test
    void loadsCheckpointsWithOrWithoutTheVisionModelPrefix(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        ClipVisionModel m = ClipVisionModel.random(tiny(ClipActivation.QUICK_GELU), 4, DType.F32, Backends.cpu());
        java.util.Map<String, Tensor> bare = new java.util.TreeMap<>(), prefixed = new java.util.TreeMap<>();
        m.visitParameters((k, p) -> { bare.put(k.substring("vision_model.".length()), p.get()); prefixed.put(k, p.get()); });
        dev.reel.core.safetensors.SafetensorsWriter.write(dir.resolve("bare.safetensors"), bare);
        dev.reel.core.safetensors.SafetensorsWriter.write(dir.resolve("prefixed.safetensors"), prefixed);
        Tensor px = Backends.cpu().full(0.3f, DType.F32, 1, 3, 16, 16);
        float[] want = m.penultimateHiddenStates(px).toFloatArray();
        for (String f : new String[] {"bare.safetensors", "prefixed.safetensors"}) {
            ClipVisionModel l = new ClipVisionModel(tiny(ClipActivation.QUICK_GELU));
            try (var w = dev.reel.models.nn.SafetensorsWeights.open(dir.resolve(f))) {
                l.loadWeights(w, DType.F32, Backends.cpu());
            }
            assertArrayEquals(want, l.penultimateHiddenStates(px).toFloatArray(), f);
        }
        bare.put("embeddings.extra", bare.get("post_layernorm.bias"));
        dev.reel.core.safetensors.SafetensorsWriter.write(dir.resolve("extra.safetensors"), bare);
        try (var w = dev.reel.models.nn.SafetensorsWeights.open(dir.resolve("extra.safetensors"))) {
            var e = assertThrows(dev.reel.models.nn.WeightMismatchException.class,
                    () -> new ClipVisionModel(tiny(ClipActivation.QUICK_GELU)).loadWeights(w, DType.F32, Backends.cpu()));
            assertTrue(e.getMessage().contains("embeddings.extra"), e.getMessage());
        }
    }

    @Test
    void configsAreReadFlatOrNestedAndCheckedByName() {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var flat = mapper.createObjectNode().put("hidden_size", 40).put("num_attention_heads", 4).put("image_size", 32)
                .put("patch_size", 8).put("hidden_act", "gelu");
        ClipVisionConfig c = ClipVisionConfig.fromConfig(ConfigJson.of("c.json", flat));
        assertEquals(17, c.numPositions());
        assertEquals(ClipActivation.GELU, c.hiddenAct());
        var nested = mapper.createObjectNode();
        nested.set("vision_config", flat);
        assertEquals(c, ClipVisionConfig.fromConfig(ConfigJson.of("c.json", nested)));
        var bad = flat.deepCopy().put("hidden_act", "swish");
        var e = assertThrows(ConfigException.class, () -> ClipVisionConfig.fromConfig(ConfigJson.of("c.json", bad)));
        assertTrue(e.getMessage().contains("swish") && e.getMessage().contains("quick_gelu"), e.getMessage());
        var odd = flat.deepCopy().put("patch_size", 7);
        assertThrows(ConfigException.class, () -> ClipVisionConfig.fromConfig(ConfigJson.of("c.json", odd)));
    }

    /** quick_gelu is x·σ(1.702x); gelu the exact erf form. */
    @Test
    void activationsAreTheReferenceFormulas() {
        float[] xs = {-2f, -0.5f, 0f, 0.7f, 3f};
        Tensor x = Backends.cpu().fromFloats(xs, DType.F32, xs.length);
        float[] q = ClipActivation.QUICK_GELU.apply(x).toFloatArray();
        for (int i = 0; i < xs.length; i++) assertEquals(xs[i] / (1 + Math.exp(-1.702 * xs[i])), q[i], 1e-6);
        float[] g = ClipActivation.GELU.apply(x).toFloatArray();
        assertEquals(0.7 * 0.5 * (1 + 0.5160726826), g[3], 1e-6);   // erf(0.7/√2)
    }
}
