package dev.reel.pipeline.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Device;
import dev.reel.core.Scope;
import dev.reel.core.dist.ParallelPlan;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.models.image.RgbImage;
import dev.reel.pipeline.CancellationToken;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.ProgressListener;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.pipeline.stages.PipelineState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Image-to-video under CFG parallel and Ulysses SP on in-process CPU ranks gives the one-device video (fp32): rank 0
 * encodes the pictures, the others receive the condition. The random-weight Wan2.1 I2V and FLF2V test
 * architectures (2 heads), a 9-frame 48×32 video, guidance on, 2 steps.
 */
class ParallelImageToVideoTest {
    private static Path configs(String name) { return TestFixtures.locate().root().getParent().resolve("configs").resolve(name); }

    /** The leader's state and the stages it ran. */
    private record Run(PipelineState state, List<String> stages) {}

    private static Run run(String model, ParallelPlan plan, boolean last) {
        Path tokenizer = TestFixtures.locate().pipelineDir().resolve("tokenizer");
        GeneratorOptions o = GeneratorOptions.defaults().withParallel(plan, Collections.nCopies(plan.size(), Device.CPU));
        try (VideoGenerator g = VideoGenerator.randomWeights(configs(model), o, 3L, Map.of("tokenizer", tokenizer), false);
             Scope scope = Scope.open()) {
            GenerationRequest.Builder b = g.requestBuilder("a fox").negativePrompt("blurry").size(48, 32).numFrames(9).numInferenceSteps(2)
                    .guidanceScale(5.0).seed(1L).maxSequenceLength(16).image(picture(50, 70, 0));
            if (last) b.lastImage(picture(40, 30, 1));
            List<String> stages = new ArrayList<>();
            ProgressListener l = new ProgressListener() {
                @Override public void onStep(int step, int total, Duration elapsed) {}
                @Override public void onStage(String name) { stages.add(name); }
            };
            return new Run(g.run(b.build(), l, new CancellationToken(), true), stages);
        }
    }

    private static RgbImage picture(int w, int h, int seed) {
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++) {
            px[(y * w + x) * 3 + c] = (byte) (128 + 100 * Math.sin(0.3 * x + 0.2 * y + c + seed));
        }
        return new RgbImage(w, h, px);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {"wan2.1-i2v-tiny | sp=2", "wan2.1-i2v-tiny | cfg=2", "wan2.1-flf2v-tiny | cfg=2,sp=2"})
    void theVideoIsTheOneDeviceVideo(String model, String plan) {
        boolean last = model.contains("flf2v");
        Run one = run(model, ParallelPlan.SINGLE, last);
        PipelineState single = one.state();
        ParallelPlan parsed = ParallelPlan.parse(plan);
        assertEquals(plan.contains(",") ? 4 : 2, parsed.size());
        Run spread = run(model, parsed, last);
        PipelineState p = spread.state();
        assertTrue(spread.stages().contains("ConditionBroadcast") && !one.stages().contains("ConditionBroadcast"), spread.stages().toString());
        for (int i = 0; i < p.stepLatents.size(); i++) {
            double rel = Compare.relErr(p.stepLatents.get(i), single.stepLatents.get(i));
            assertTrue(rel <= 1e-5, plan + " step " + i + " latents: rel " + rel);
        }
        double frames = Compare.relErr(p.frames.rgb(), single.frames.rgb());
        assertTrue(frames <= 1e-5, plan + " frames: rel " + frames);
    }
}
