package dev.reel.pipeline.stages;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.reel.pipeline.GenerationLimits;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.VideoGeometry;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputValidationTest {
    static final GenerationLimits LIMITS = new GenerationLimits(512, 640, 33, 60, Long.MAX_VALUE);
    /** Wan2.1's geometry: VAE ×4 in time, ×8 in space, 16 channels, 1×2×2 patches, rope 1024. */
    static final VideoGeometry WAN21 = new VideoGeometry(4, 8, 16, new int[] {1, 2, 2}, 1024);

    @TempDir Path dir;

    private InvalidRequestException reject(UnaryOperator<GenerationRequest.Builder> edit) {
        GenerationRequest r = edit.apply(GenerationRequest.builder("a fox").output(dir.resolve("out.mp4"))).build();
        return assertThrows(InvalidRequestException.class, () -> InputValidation.check(r, WAN21, LIMITS));
    }

    private static void assertRule(InvalidRequestException e, String field, String value, String message) {
        assertEquals(field, e.field());
        assertEquals(value, e.value());
        assertEquals(message, e.getMessage());
    }

    @Test
    void defaultsAreValid() {
        assertDoesNotThrow(() -> InputValidation.check(GenerationRequest.builder("a fox").size(480, 512).numFrames(33).numInferenceSteps(50).build(), WAN21, LIMITS));
    }

    @Test
    void eachRuleNamesFieldValueAndRule() {
        assertRule(reject(b -> b.prompt("  ")), "prompt", "\"  \"", "prompt = \"  \": must not be empty");
        assertRule(reject(b -> b.height(100)), "height", "100", "height = 100: must be a positive multiple of 16");
        assertRule(reject(b -> b.width(0)), "width", "0", "width = 0: must be a positive multiple of 16");
        assertRule(reject(b -> b.height(528)), "height", "528", "height = 528: must be at most 512");
        assertRule(reject(b -> b.size(480, 656)), "width", "656", "width = 656: must be at most 640");
        assertRule(reject(b -> b.size(480, 512).numFrames(8)), "numFrames", "8", "numFrames = 8: must be 4k+1 (1, 5, 9, …, 81, …)");
        assertRule(reject(b -> b.size(480, 512).numFrames(37)), "numFrames", "37", "numFrames = 37: must be at most 33");
        assertRule(reject(b -> b.size(480, 512).numFrames(9).numInferenceSteps(0)), "numInferenceSteps", "0", "numInferenceSteps = 0: must be at least 1");
        assertRule(reject(b -> b.size(480, 512).numFrames(9).numInferenceSteps(61)), "numInferenceSteps", "61", "numInferenceSteps = 61: must be at most 60");
        assertRule(reject(b -> b.size(480, 512).numFrames(9).guidanceScale(-0.5)), "guidanceScale", "-0.5", "guidanceScale = -0.5: must be a finite number ≥ 0");
        assertRule(reject(b -> b.size(480, 512).numFrames(9).guidanceScale(Double.NaN)), "guidanceScale", "NaN", "guidanceScale = NaN: must be a finite number ≥ 0");
        assertRule(reject(b -> b.size(480, 512).numFrames(9).fps(0)), "fps", "0", "fps = 0: must be at least 1");
        assertRule(reject(b -> b.size(480, 512).numFrames(9).crf(60)), "crf", "60", "crf = 60: must be in 0..51");
        assertEquals("preset", reject(b -> b.size(480, 512).numFrames(9).preset("warp")).field());
        assertEquals("maxSequenceLength", reject(b -> b.size(480, 512).numFrames(9).maxSequenceLength(0)).field());
        assertEquals("flowShift", reject(b -> b.size(480, 512).numFrames(9).flowShift(-1.0)).field());
    }

    @Test
    void outputDirectoryMustExistAndBeWritable() throws Exception {
        Path missing = dir.resolve("nope/out.mp4");
        var e = reject(b -> b.size(480, 512).numFrames(9).output(missing));
        assertEquals("output", e.field());
        assertEquals("output = " + missing + ": its directory " + missing.getParent() + " must exist", e.getMessage());

        Path ro = java.nio.file.Files.createDirectory(dir.resolve("ro"));
        ro.toFile().setWritable(false);
        try {
            if (!java.nio.file.Files.isWritable(ro)) {  // root may write anywhere; the rule is then untestable
                var e2 = reject(b -> b.size(480, 512).numFrames(9).output(ro.resolve("x.mp4")));
                assertEquals("output", e2.field());
            }
        } finally {
            ro.toFile().setWritable(true);
        }
    }
}
