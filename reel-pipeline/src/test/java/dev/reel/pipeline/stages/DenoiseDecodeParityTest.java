package dev.reel.pipeline.stages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reel.core.Backends;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.models.loader.LoadOptions;
import dev.reel.models.loader.PipelineComponents;
import dev.reel.models.loader.SchedulerFolder;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.pipeline.CancellationToken;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.OutputFormat;
import dev.reel.pipeline.VideoGeometry;
import org.junit.jupiter.api.Test;

/**
 * The stages after text encoding against the {@code pipeline} fixture case, fed the reference prompt
 * embeddings: TimestepPreparation → LatentPreparation (given latents) → Denoising (with guidance) → Decoding must
 * reproduce every {@code step_latents[i]} and the {@code frames}.
 */
class DenoiseDecodeParityTest {
    @Test
    void stepLatentsAndFramesMatchTheReference() {
        FixtureSet set = TestFixtures.locate();
        String c = "pipeline";
        JsonNode m = set.caseConfig(c);
        double rtol = set.rtol(c);
        try (Scope scope = Scope.open(); PipelineComponents comps = PipelineComponents.load(set.pipelineDir(), LoadOptions.cpu())) {
            AutoencoderKLWan vae = comps.get("vae", AutoencoderKLWan.class);
            GenerationRequest r = GenerationRequest.builder(m.get("prompt").textValue())
                    .size(m.get("height").intValue(), m.get("width").intValue()).numFrames(m.get("num_frames").intValue())
                    .numInferenceSteps(m.get("num_inference_steps").intValue()).guidanceScale(m.get("guidance_scale").doubleValue())
                    .latents(set.tensor(c, "initial_latents")).outputFormat(OutputFormat.NONE).build();
            int[] steps = {0};
            PipelineState s = new PipelineState(r, (i, n, t) -> steps[0] = i, new CancellationToken(), true);
            s.promptEmbeds = set.tensor(c, "prompt_embeds");
            s.negativePromptEmbeds = set.tensor(c, "negative_prompt_embeds");
            new TimestepPreparation(comps.get("scheduler", SchedulerFolder.class)).run(s);
            new LatentPreparation(VideoGeometry.of(vae.config(), comps.get("transformer", WanTransformer3DModel.class).config()), Backends.cpu()).run(s);
            new Denoising(comps.get("transformer", WanTransformer3DModel.class)).run(s);
            new Decoding(vae).run(s);

            Tensor ref = set.tensor(c, "step_latents");
            assertEquals(ref.size(0), s.stepLatents.size());
            assertEquals(ref.size(0), steps[0], "progress saw every step");
            for (int i = 0; i < ref.size(0); i++) {
                double e = Compare.relErr(s.stepLatents.get(i), ref.select(0, i).toFloatArray());
                System.out.printf("step_latents[%d] rel err %.3e (rtol %.0e)%n", i, e, rtol);
                assertTrue(e <= rtol, "step " + i + " rel err " + e);
            }
            double ef = Compare.relErr(s.frames.rgb(), set.tensor(c, "frames").toFloatArray());
            System.out.printf("frames rel err %.3e (rtol %.0e)%n", ef, rtol);
            assertTrue(ef <= rtol, "frames rel err " + ef);
        }
    }
}
