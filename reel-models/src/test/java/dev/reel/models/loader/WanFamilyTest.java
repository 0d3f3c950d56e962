package dev.reel.models.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.fixtures.TestFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The family of a folder, from its configs: the fixture sets, the real-size configs and a written I2V folder. */
class WanFamilyTest {
    @Test void fixtureSets() {
        assertEquals(WanFamily.WAN21_T2V, WanFamily.detect(TestFixtures.locate().pipelineDir()));
        assertEquals(WanFamily.WAN22_TI2V, WanFamily.detect(TestFixtures.named("wan22-ti2v-tiny").pipelineDir()));
        assertEquals(WanFamily.WAN22_T2V_A14B, WanFamily.detect(TestFixtures.named("wan22-a14b-tiny").pipelineDir()));
    }

    @Test void realSizeConfigs() {
        assertEquals(WanFamily.WAN22_TI2V, WanFamily.detect(configs("wan2.2-ti2v-5b")));
        WanFamily a14b = WanFamily.detect(configs("wan2.2-t2v-a14b"));
        assertEquals(WanFamily.WAN22_T2V_A14B, a14b);
        assertTrue(a14b.twoExperts());
        assertEquals("Wan2.2 A14B text-to-video", a14b.describe());
    }

    /** Wan2.1 I2V (an image branch, 36 input channels) and Wan2.2 I2V A14B (36 channels, two experts). */
    @Test void imageToVideoFolders(@TempDir Path dir) throws Exception {
        writePipeline(dir.resolve("i2v"), "WanImageToVideoPipeline", "null", 36, "1280", false);
        assertEquals(WanFamily.WAN21_I2V, WanFamily.detect(dir.resolve("i2v")));
        writePipeline(dir.resolve("a14b"), "WanImageToVideoPipeline", "0.9", 36, "null", true);
        assertEquals(WanFamily.WAN22_I2V_A14B, WanFamily.detect(dir.resolve("a14b")));
    }

    private static void writePipeline(Path dir, String cls, String boundary, int inChannels, String imageDim, boolean two) throws Exception {
        Files.createDirectories(dir.resolve("transformer"));
        Files.createDirectories(dir.resolve("vae"));
        Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": \"" + cls + "\", \"boundary_ratio\": " + boundary
                + ", \"transformer\": [\"diffusers\", \"WanTransformer3DModel\"], \"transformer_2\": " + (two ? "[\"diffusers\", \"WanTransformer3DModel\"]" : "[null, null]")
                + ", \"vae\": [\"diffusers\", \"AutoencoderKLWan\"]}");
        Files.writeString(dir.resolve("transformer/config.json"), "{\"in_channels\": " + inChannels + ", \"image_dim\": " + imageDim + "}");
        Files.writeString(dir.resolve("vae/config.json"), "{\"z_dim\": 16}");
    }

    private static Path configs(String name) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("testdata/configs").resolve(name);
            if (Files.isDirectory(p)) return p;
        }
        throw new IllegalStateException("testdata/configs/" + name + " not found");
    }
}
