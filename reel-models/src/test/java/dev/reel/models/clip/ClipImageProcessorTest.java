package dev.reel.models.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backends;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.models.image.ResampleFilter;
import dev.reel.models.image.RgbImage;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;
import dev.reel.models.wan.WanTransformerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The processor's config forms and arithmetic, and the published I2V-14B-480P configs (no reference numbers needed). */
class ClipImageProcessorTest {
    @TempDir Path dir;

    private ClipImageProcessor read(String json) throws Exception {
        Files.writeString(dir.resolve(ClipImageProcessor.FILE), json);
        return ClipImageProcessor.read(dir);
    }

    @Test
    void sizesAsIntegersOrObjectsAndResampleAsCodeOrName() throws Exception {
        ClipImageProcessor a = read("{\"size\": 224, \"crop_size\": 224, \"resample\": 3}");
        ClipImageProcessor b = read("{\"size\": {\"shortest_edge\": 224}, \"crop_size\": {\"height\": 224, \"width\": 224}, \"resample\": \"PILImageResampling.BICUBIC\"}");
        for (ClipImageProcessor p : List.of(a, b)) {
            assertEquals(224, p.shortestEdge());
            assertEquals(224, p.cropHeight());
            assertEquals(ResampleFilter.BICUBIC, p.resample());
            assertArrayEquals(new int[] {298, 224}, p.resizedSize(640, 481));   // int(224·640/481) = 298
            assertArrayEquals(new int[] {224, 298}, p.resizedSize(481, 640));
        }
        var e = assertThrows(ConfigException.class, () -> read("{\"resample\": 0}"));
        assertTrue(e.getMessage().contains("resample 0"), e.getMessage());
    }

    /** No resize, no crop: (v/255 − mean)/std per channel, in float32. */
    @Test
    void rescalesAndNormalisesPerChannel() throws Exception {
        ClipImageProcessor p = read("{\"size\": {\"shortest_edge\": 2}, \"crop_size\": 2}");
        byte[] px = {(byte) 255, 0, 10, 20, 30, 40, 50, 60, 70, (byte) 128, (byte) 200, 1};
        float[] v = p.process(List.of(new RgbImage(2, 2, px)), Backends.cpu()).toFloatArray();
        assertEquals(12, v.length);
        float r0 = (float) (255 * (1 / 255.0));
        assertEquals((r0 - 0.48145466f) / 0.26862954f, v[0], 0f);                    // R of pixel (0, 0)
        float g3 = (float) (200 * (1 / 255.0));
        assertEquals((g3 - 0.4578275f) / 0.26130258f, v[4 + 3], 0f);                 // G of pixel (1, 1)
    }

    @Test
    void thePublishedI2v480pConfigsRead() {
        Path c = TestFixtures.locate().root().getParent().resolve("configs/wan2.1-i2v-14b-480p");
        WanTransformerConfig t = WanTransformerConfig.fromConfig(ConfigJson.read(c.resolve("transformer/config.json")));
        assertTrue(t.hasImageBranch());
        assertEquals(36, t.inChannels());
        assertEquals(1, t.imagesPerSample());
        ClipVisionConfig v = ClipVisionConfig.fromConfig(ConfigJson.read(c.resolve("image_encoder/config.json")));
        assertEquals(257, v.numPositions());
        assertEquals(t.imageDim(), v.hiddenSize());
        assertEquals(ClipActivation.GELU, v.hiddenAct());
        ClipImageProcessor p = ClipImageProcessor.read(c.resolve("image_processor"));
        assertEquals(v.imageSize(), p.outputHeight());
    }
}
