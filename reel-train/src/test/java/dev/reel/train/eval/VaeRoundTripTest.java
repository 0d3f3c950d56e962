package dev.reel.train.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.pipeline.Frames;
import dev.reel.train.dataset.ShapeRenderer;
import dev.reel.train.dataset.ShapesDataset;
import dev.reel.train.trainer.TestData;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code reel eval demo --vae-only}: each prompt's own clip is what the prompt says (the judge, an independent
 * reference against the renderer, scores the clips themselves perfectly), and a VAE's round trip keeps the clip's size
 * and frame count.
 */
class VaeRoundTripTest {
    private static final ShapesDataset.Options SPLIT = ShapesDataset.Options.defaults();
    private static final ShapeRenderer RENDERER = new ShapeRenderer(SPLIT.frames(), SPLIT.height(), SPLIT.width());

    @Test void everyPromptsOwnClipShowsThePrompt() {
        List<EvalPrompts.Prompt> prompts = EvalPrompts.of(EvalPrompts.DEFAULT_COUNT, 5, SPLIT);
        EvalReport r = new ShapesEval("rendered clips", 0, p -> RENDERER.render(p.clip()), null).run(prompts, 5, o -> { });
        assertEquals(1.0, r.all().object(), 1e-9, r::markdown);
        assertEquals(1.0, r.all().background(), 1e-9, r::markdown);
        assertEquals(1.0, r.all().motion(), 1e-9, r::markdown);
        assertEquals(prompts.getFirst().clip(), prompts.getFirst().clip(), "a prompt's clip follows from its seed");
        assertTrue(r.markdown().contains("no denoising"), "the report says nothing was denoised");
    }

    @Test void theRoundTripKeepsTheClipsGeometry() {
        AutoencoderKLWan vae = AutoencoderKLWan.load(TestData.path("wan21-tiny/pipeline/vae"), DType.F32, Backends.cpu());
        ShapeRenderer small = new ShapeRenderer(5, 32, 32);   // the tiny fixture VAE is random: only the plumbing is checked
        EvalPrompts.Prompt p = EvalPrompts.of(1, 0, SPLIT).getFirst();
        Frames f = new VaeRoundTrip(vae, small).of(p);
        assertEquals(5, f.count());
        assertEquals(32, f.height());
        assertEquals(32, f.width());
        for (float v : f.rgb()) assertTrue(v >= 0f && v <= 1f, "frames are clamped to [0, 1]");
        ShapesEval e = new VaeRoundTrip(vae, small).eval("tiny");
        assertEquals(0, e.steps());
        assertNull(e.videoFile(), "a round trip writes no videos");
    }
}
