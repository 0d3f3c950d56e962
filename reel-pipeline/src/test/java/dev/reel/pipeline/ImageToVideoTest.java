package dev.reel.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Scope;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.models.image.RgbImage;
import dev.reel.pipeline.media.VideoProbe;
import dev.reel.pipeline.stages.PipelineState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image-to-video through {@link VideoGenerator} with tiny random-weight pipelines built from configs
 * ({@code testdata/configs/wan2.1-i2v-tiny}, {@code -flf2v-tiny}): stages, shapes of the image states and the
 * condition, the frame mask's values, the written video, and the request rules about pictures. The numbers
 * against Diffusers are the fixture parity (reel-testkit's {@code ImageToVideoParityTest}).
 */
class ImageToVideoTest {
    @TempDir Path dir;

    static Path configs(String name) { return TestFixtures.locate().root().getParent().resolve("configs").resolve(name); }

    static VideoGenerator random(String name) {
        Path tokenizer = TestFixtures.locate().pipelineDir().resolve("tokenizer");
        return VideoGenerator.randomWeights(configs(name), GeneratorOptions.defaults(), 3L, Map.of("tokenizer", tokenizer), false);
    }

    /** A smooth test picture (what a user gives; its size need not be the video's). */
    static RgbImage picture(int w, int h, int seed) {
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++) {
            px[(y * w + x) * 3 + c] = (byte) (128 + 100 * Math.sin(0.3 * x + 0.2 * y + c + seed));
        }
        return new RgbImage(w, h, px);
    }

    @Test
    void firstFrameConditioningRunsItsStagesAndWritesTheVideo() throws Exception {
        try (VideoGenerator g = random("wan2.1-i2v-tiny"); Scope scope = Scope.open()) {
            assertEquals("i2v", g.profile().task().task());
            List<String> stages = new ArrayList<>();
            ProgressListener l = new ProgressListener() {
                @Override public void onStep(int step, int total, java.time.Duration elapsed) {}
                @Override public void onStage(String s) { stages.add(s); }
            };
            Path out = dir.resolve("i2v.mp4");
            GenerationRequest r = g.requestBuilder("a fox").size(48, 32).numFrames(9).numInferenceSteps(2).seed(1L).maxSequenceLength(16)
                    .image(picture(50, 70, 0)).output(out).build();
            PipelineState s = g.run(r, l, new CancellationToken(), true);
            assertEquals(List.of("InputValidation", "TextEncoding", "ImageEncoding", "TimestepPreparation", "LatentPreparation",
                    "ImageConditioning", "Denoising", "Decoding", "Output"), stages);
            assertArrayEquals(new int[] {1, 17, 40}, s.imageEmbeds.shape());     // CLIP: 16 patches + class token
            assertArrayEquals(new int[] {1, 20, 3, 6, 4}, s.condition.shape());  // mask (4) + latents (16), 3 latent frames
            float[] c = s.condition.toFloatArray();
            int plane = 6 * 4, frames = 3;
            for (int ch = 0; ch < 4; ch++) {
                for (int t = 0; t < frames; t++) {
                    assertEquals(t == 0 ? 1f : 0f, c[(ch * frames + t) * plane], "mask channel " + ch + " latent frame " + t);
                }
            }
            VideoProbe p = VideoProbe.of(out);
            assertEquals(9, p.frames());
            assertEquals(32, p.width());
            assertEquals(48, p.height());
        }
    }

    @Test
    void firstAndLastFrameEncodesBothPicturesAndMarksTheLastFrame() {
        try (VideoGenerator g = random("wan2.1-flf2v-tiny"); Scope scope = Scope.open()) {
            assertEquals("flf2v", g.profile().task().task());
            GenerationRequest r = g.requestBuilder("a fox").size(48, 32).numFrames(9).numInferenceSteps(1).seed(1L).maxSequenceLength(16)
                    .image(picture(32, 48, 0)).lastImage(picture(32, 48, 5)).build();
            PipelineState s = g.run(r, ProgressListener.NONE, new CancellationToken(), false);
            assertArrayEquals(new int[] {2, 17, 40}, s.imageEmbeds.shape());
            float[] c = s.condition.toFloatArray();
            int plane = 6 * 4, frames = 3;
            for (int ch = 0; ch < 4; ch++) {
                for (int t = 0; t < frames; t++) {
                    float want = t == 0 || (t == frames - 1 && ch == 3) ? 1f : 0f;
                    assertEquals(want, c[(ch * frames + t) * plane], "mask channel " + ch + " latent frame " + t);
                }
            }
            var e = assertThrows(InvalidRequestException.class, () -> g.validate(r.toBuilder().lastImage(null).build()));
            assertEquals("lastImage", e.field());
        }
    }

    @Test
    void picturesAreCheckedAgainstWhatTheModelTakes() {
        try (VideoGenerator g = random("wan2.1-i2v-tiny")) {
            GenerationRequest.Builder b = g.requestBuilder("a fox").size(48, 32).numFrames(9).numInferenceSteps(1);
            var e = assertThrows(InvalidRequestException.class, () -> g.validate(b.build()));
            assertEquals("image", e.field());
            assertTrue(e.getMessage().contains("first frame"), e.getMessage());
            e = assertThrows(InvalidRequestException.class, () -> g.validate(b.image(picture(8, 8, 0)).lastImage(picture(8, 8, 1)).build()));
            assertEquals("lastImage", e.field());
            assertTrue(e.getMessage().contains("no last frame"), e.getMessage());
        }
        try (VideoGenerator t2v = VideoGenerator.demo(GeneratorOptions.defaults())) {
            var e = assertThrows(InvalidRequestException.class, () -> t2v.validate(t2v.requestBuilder("a fox").image(picture(8, 8, 0)).build()));
            assertEquals("image", e.field());
            assertTrue(e.getMessage().contains("takes no image"), e.getMessage());
        }
    }
}
