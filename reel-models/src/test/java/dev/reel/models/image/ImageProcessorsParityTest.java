package dev.reel.models.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reel.core.Backends;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.models.clip.ClipImageProcessor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The image processors against the fixture's Pillow/Transformers/Diffusers outputs: resized bytes exactly (Pillow's
 * bicubic and Lanczos), pixel values to float32 rounding (≤ 1e-6).
 */
class ImageProcessorsParityTest {
    private static final double PIXEL_ATOL = 1e-6;

    @Test
    void clipProcessorMatchesPillowAndTransformers() {
        FixtureSet set = I2vFixtures.require(I2vFixtures.I2V);
        String c = "image_processor";
        ClipImageProcessor proc = ClipImageProcessor.read(set.pipelineDir().resolve("image_processor"));
        JsonNode cfg = set.caseConfig(c);
        // the PIL backend when Transformers has one (v5), else the processor itself is the PIL/NumPy one
        String key = set.keys(c).stream().anyMatch(k -> k.startsWith("pixel_values_pil.")) ? "pixel_values_pil." : "pixel_values.";
        for (Map.Entry<String, JsonNode> e : cfg.get("images").properties()) {
            RgbImage im = RgbImage.read(set.root().resolve(e.getValue().textValue()), Long.MAX_VALUE);
            Tensor bicubic = set.tensor(c, "pil_bicubic." + e.getKey());
            int[] s = proc.resizedSize(im.width(), im.height());
            RgbImage resized = im.resize(s[0], s[1], proc.resample());
            assertBytes(bicubic, resized, "bicubic resize of " + e.getKey());
            Tensor ref = set.tensor(c, key + e.getKey());
            Tensor got = proc.process(List.of(im), Backends.cpu());
            assertArrayEquals(ref.shape(), got.shape(), e.getKey());
            double maxAbs = Compare.difference(got.toFloatArray(), ref.toFloatArray(), got.shape()).maxAbs();
            System.out.printf("clip processor %s (%s): max |diff| %.3g%n", e.getKey(), key, maxAbs);
            assertTrue(maxAbs <= PIXEL_ATOL, e.getKey() + ": max |diff| " + maxAbs + " (reference " + cfg.path("processor").asText() + ")");
        }
    }

    @Test
    void vaeProcessorMatchesDiffusers() {
        FixtureSet set = I2vFixtures.require(I2vFixtures.I2V);
        String c = "video_processor";
        JsonNode cfg = set.caseConfig(c);
        int h = cfg.get("height").intValue(), w = cfg.get("width").intValue();
        for (Map.Entry<String, JsonNode> e : cfg.get("images").properties()) {
            RgbImage im = RgbImage.read(set.root().resolve(e.getValue().textValue()), Long.MAX_VALUE);
            if (set.keys(c).contains("pil_lanczos." + e.getKey())) {
                assertBytes(set.tensor(c, "pil_lanczos." + e.getKey()), im.resize(w, h, ResampleFilter.LANCZOS), "lanczos resize of " + e.getKey());
            }
            Tensor ref = set.tensor(c, "pixels." + e.getKey());
            Tensor got = VaeImageProcessor.defaults().preprocess(im, h, w, Backends.cpu());
            assertArrayEquals(ref.shape(), got.shape());
            double maxAbs = Compare.difference(got.toFloatArray(), ref.toFloatArray(), got.shape()).maxAbs();
            assertTrue(maxAbs <= PIXEL_ATOL, e.getKey() + ": max |diff| " + maxAbs);
        }
    }

    /** Every byte of {@code got} equals the reference's uint8 values {@code [h, w, 3]}. */
    static void assertBytes(Tensor ref, RgbImage got, String what) {
        assertArrayEquals(new int[] {got.height(), got.width(), 3}, ref.shape(), what + ": shape");
        float[] r = ref.toFloatArray();
        int differing = 0, worst = 0;
        for (int y = 0; y < got.height(); y++) {
            for (int x = 0; x < got.width(); x++) {
                for (int ch = 0; ch < 3; ch++) {
                    int d = Math.abs(got.at(y, x, ch) - (int) r[(y * got.width() + x) * 3 + ch]);
                    if (d > 0) differing++;
                    worst = Math.max(worst, d);
                }
            }
        }
        assertTrue(differing == 0, what + ": " + differing + " values differ from Pillow's, by up to " + worst);
    }

}
