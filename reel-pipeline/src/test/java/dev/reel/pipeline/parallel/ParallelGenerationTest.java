package dev.reel.pipeline.parallel;

import dev.reel.pipeline.DemoConfigs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.dist.ParallelPlan;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.FileOps;
import dev.reel.pipeline.CancellationToken;
import dev.reel.pipeline.GenerationCancelledException;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.ProgressListener;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.pipeline.stages.PipelineState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole pipeline under CFG parallel, Ulysses SP and both, on in-process CPU ranks, gives the one-device video
 * (fp32): the demo pipeline with its transformer widened to 12 heads (so 2, 3 and 4 divide them), a 5-frame 32×80
 * video (2×2×5 = 20 latent tokens: SP-3 pads them), guidance on, 2 steps. "none" runs the one-device pipeline
 * again: the spread the CPU backend shows between two runs, which the plans should stay at.
 */
class ParallelGenerationTest {
    private static Path configs;
    private static PipelineState single;

    @BeforeAll
    static void oneDevice() throws Exception {
        configs = DemoConfigs.unpack();
        Path cfg = configs.resolve("transformer/config.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode t = (ObjectNode) json.readTree(cfg.toFile());
        t.put("num_attention_heads", 12);
        json.writeValue(cfg.toFile(), t);
        single = run(ParallelPlan.SINGLE);
    }

    @AfterAll static void clean() { FileOps.deleteTreeQuietly(configs); }

    private static GeneratorOptions options(ParallelPlan plan) {
        return GeneratorOptions.defaults().withParallel(plan, Collections.nCopies(plan.size(), Device.CPU));
    }

    private static PipelineState run(ParallelPlan plan) {
        try (VideoGenerator gen = VideoGenerator.randomWeights(configs, options(plan), 3L, Map.of(), false);
             Scope scope = Scope.open()) {
            return gen.run(request(gen), ProgressListener.NONE, new CancellationToken(), true);
        }
    }

    private static GenerationRequest request(VideoGenerator gen) {
        return gen.requestBuilder("a red fox in the snow").negativePrompt("blurry").size(32, 80).numFrames(5)
                .numInferenceSteps(2).guidanceScale(5.0).maxSequenceLength(16).seed(11L).build();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"none", "cfg=2", "sp=2", "sp=3", "sp=4", "cfg=2,sp=2", "cfg=2,sp=3"})
    void theVideoIsTheOneDeviceVideo(String plan) {
        PipelineState p = run(ParallelPlan.parse(plan));
        assertEquals(single.stepLatents.size(), p.stepLatents.size());
        for (int i = 0; i < p.stepLatents.size(); i++) {
            double rel = Compare.relErr(p.stepLatents.get(i), single.stepLatents.get(i));
            assertTrue(rel <= 1e-5, plan + " step " + i + " latents: rel " + rel);
        }
        double frames = Compare.relErr(p.frames.rgb(), single.frames.rgb());
        System.out.printf("pipeline %s vs one device: final latents rel. error %.2e, frames %.2e%n", plan,
                Compare.relErr(p.stepLatents.getLast(), single.stepLatents.getLast()), frames);
        assertTrue(frames <= 1e-5, plan + " frames: rel " + frames);
    }

    @Test
    void aDegreeThatDoesNotDivideTheHeadsIsRefusedAtLoad() {
        var e = assertThrows(ReelException.class, () -> VideoGenerator.randomWeights(configs, options(new ParallelPlan(1, 5)), 3L, Map.of(), false));
        assertTrue(e.getMessage().startsWith("--parallel sp=5 does not divide the transformer's 12 attention heads"), e.getMessage());
    }

    @Test
    void cancellingStopsEveryRankAtTheSameStepAndTheGeneratorStaysUsable() {
        try (VideoGenerator gen = VideoGenerator.randomWeights(configs, options(new ParallelPlan(2, 2)), 3L, Map.of(), false)) {
            CancellationToken token = new CancellationToken();
            ProgressListener cancelAfterFirst = new ProgressListener() {
                @Override public void onStep(int step, int total, Duration elapsed) { token.cancel(); }
            };
            var e = assertThrows(GenerationCancelledException.class, () -> gen.generate(request(gen), cancelAfterFirst, token));
            assertEquals("generation cancelled after 1 of 2 denoising steps", e.getMessage());
            // the next generation runs on the same ranks and still gives the one-device video
            var r = gen.generate(request(gen));
            assertTrue(Compare.relErr(r.frames().rgb(), single.frames.rgb()) <= 1e-5);
        }
    }
}
