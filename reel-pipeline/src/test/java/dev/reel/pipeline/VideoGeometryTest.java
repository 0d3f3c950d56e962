package dev.reel.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.fixtures.TestFixtures;
import dev.reel.models.nn.ConfigJson;
import dev.reel.models.wan.WanTransformerConfig;
import dev.reel.models.wan.WanVaeConfig;
import dev.reel.pipeline.stages.InputValidation;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoGeometryTest {
    /** Wan2.1-T2V-1.3B's transformer: 1×2×2 patches, rope 1024. */
    private static WanTransformerConfig wan13b() {
        return new WanTransformerConfig(new int[] {1, 2, 2}, 12, 128, 16, 16, 4096, 256, 8960, 30, true, 1e-6, 1024);
    }

    @Test void wan21IsFourKPlusOneFramesAndSixteenPixelMultiples() {
        VideoGeometry g = VideoGeometry.of(WanVaeConfig.wan21(), wan13b());
        assertEquals(16, g.heightMultiple());
        assertEquals(16, g.widthMultiple());
        assertTrue(g.validFrames(81));
        assertTrue(g.validFrames(1));
        assertFalse(g.validFrames(80));
        assertFalse(g.validFrames(0));
        assertEquals("4k+1 (1, 5, 9, …, 81, …)", g.frameRule());
        assertEquals(77, g.framesAtMost(80));
        assertEquals(81, g.framesAtLeast(80));
        assertEquals(81, g.framesAtLeast(81));
        assertEquals(1, g.framesAtLeast(0));
        assertArrayEquals(new int[] {1, 16, 21, 60, 104}, g.latentShape(81, 480, 832));
        assertEquals(21L * 30 * 52, g.tokens(81, 480, 832));   // the 32760 tokens of a 480p, 81-frame video
        assertEquals(1024 * 16, g.maxHeight());
        assertEquals(1023 * 4 + 1, g.maxFrames());
    }

    /** Wan2.2's VAE compresses ×16 in space into 48 channels: every rule follows from the configs. */
    @Test void anotherVaeNeedsNoEditElsewhere(@TempDir Path dir) {
        WanVaeConfig w21 = WanVaeConfig.wan21();
        float[] mean = new float[48], std = new float[48];
        java.util.Arrays.fill(std, 1f);
        WanVaeConfig wide = new WanVaeConfig(w21.baseDim(), w21.decoderBaseDim(), 48, w21.dimMult(), w21.numResBlocks(), w21.attnScales(),
                w21.temperalDownsample(), 0, mean, std, 12, 12, 4, 16, true, 2);
        VideoGeometry g = VideoGeometry.of(wide, wan13b());
        assertEquals(32, g.heightMultiple());
        assertArrayEquals(new int[] {1, 48, 31, 44, 80}, g.latentShape(121, 704, 1280));
        var e = assertThrows(InvalidRequestException.class,
                () -> InputValidation.check(GenerationRequest.builder("a fox").size(720, 1280).numFrames(121).build(), g, GenerationLimits.defaults()));
        assertEquals("height = 720: must be a positive multiple of 32: the nearest allowed values are 704 and 736", e.getMessage());
    }

    /** From model_index.json and the two configs alone: a folder without any weights. */
    @Test void readsFromConfigsAlone(@TempDir Path dir) throws Exception {
        Path src = TestFixtures.locate().pipelineDir();
        Files.copy(src.resolve("model_index.json"), dir.resolve("model_index.json"));
        for (String c : new String[] {"vae", "transformer"}) {
            Files.createDirectories(dir.resolve(c));
            Files.copy(src.resolve(c).resolve("config.json"), dir.resolve(c).resolve("config.json"));
        }
        VideoGeometry g = VideoGeometry.read(dir);
        VideoGeometry want = VideoGeometry.of(WanVaeConfig.fromConfig(ConfigJson.read(src.resolve("vae/config.json"))),
                WanTransformerConfig.fromConfig(ConfigJson.read(src.resolve("transformer/config.json"))));
        assertEquals(want, g);
        assertEquals(want, DemoConfigs.geometry());   // the demo is the fixtures' tiny architecture
        assertEquals(32 * 16, g.maxHeight());                 // rope_max_seq_len 32 in the tiny config
    }

    @Test void theModelsRopeBoundsSizesAndFrames() {
        VideoGeometry g = new VideoGeometry(4, 8, 16, new int[] {1, 2, 2}, 32);
        var e = assertThrows(InvalidRequestException.class,
                () -> InputValidation.check(GenerationRequest.builder("a fox").size(528, 512).numFrames(9).build(), g, GenerationLimits.defaults()));
        assertEquals("height", e.field());
        assertFalse(e.limit(), "a bound of the model is a rule, not a configured limit");
        assertTrue(e.getMessage().contains("at most 512"), e.getMessage());
        var f = assertThrows(InvalidRequestException.class,
                () -> InputValidation.check(GenerationRequest.builder("a fox").size(64, 64).numFrames(129).build(), g, GenerationLimits.defaults()));
        assertEquals("numFrames = 129: must be at most 125 (the positions the model's rotary tables cover, rope_max_seq_len)", f.getMessage());
        var l = assertThrows(InvalidRequestException.class,
                () -> InputValidation.check(GenerationRequest.builder("a fox").size(64, 64).numFrames(9).numInferenceSteps(300).build(), g, GenerationLimits.defaults()));
        assertTrue(l.limit());
    }
}
