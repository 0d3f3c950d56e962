package dev.reel.server.engine;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.fixtures.TestFixtures;
import dev.reel.pipeline.GeneratorOptions;
import org.junit.jupiter.api.Test;

/** A second guidance scale is a 400 on a one-transformer model, and accepted by Wan2.2 A14B's two experts. */
class PipelineModelExpertsTest {
    private static VideoSpec spec(Double guidance2) {
        return new VideoSpec("a fox", "", 48, 64, 9, 16, 2, 4.0, 0, "none", null, null, guidance2);
    }

    @Test void secondGuidanceNeedsTwoExperts() {
        PipelineModel wan21 = PipelineModel.pretrained(TestFixtures.locate().pipelineDir(), null, GeneratorOptions.defaults());
        var e = assertThrows(VideoModel.SpecRejectedException.class, () -> wan21.validate(spec(3.0)));
        assertEquals("nvext.guidance_scale_2", e.param());
        assertTrue(e.getMessage().contains("two experts"), e.getMessage());
        assertDoesNotThrow(() -> wan21.validate(spec(null)));
        PipelineModel a14b = PipelineModel.pretrained(TestFixtures.named("wan22-a14b-tiny").pipelineDir(), null, GeneratorOptions.defaults());
        assertDoesNotThrow(() -> a14b.validate(spec(3.0)));
    }
}
