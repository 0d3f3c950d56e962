package dev.reel.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Device;
import dev.reel.pipeline.VideoGeometry;
import dev.reel.server.engine.VideoEngine;
import dev.reel.server.engine.VideoModel;
import dev.reel.server.engine.VideoSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parser takes the frame rule from the served model's geometry, not from a constant of its own. */
class VideoRequestParserTest {
    /** A model that accepts every spec; only its geometry matters here. */
    private record Model(VideoGeometry geometry) implements VideoModel {
        @Override public String id() { return "m"; }
        @Override public dev.reel.pipeline.GenerationRequest defaults() { return dev.reel.pipeline.GenerationRequest.builder("").build(); }
        @Override public void validate(VideoSpec spec) {}
        @Override public VideoEngine load(List<Device> devices) { throw new UnsupportedOperationException(); }
    }

    private static VideoRequest parse(VideoGeometry g, String json) {
        return new VideoRequestParser(new Model(g)).parse("application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    @Test void wan21RoundsSecondsUpToFourKPlusOne() {
        VideoGeometry wan21 = new VideoGeometry(4, 8, 16, new int[] {1, 2, 2}, 1024);
        assertEquals(81, parse(wan21, "{\"prompt\": \"a fox\", \"seconds\": 5}").spec().numFrames());   // 16 fps × 5 s = 80 → 81
        ApiError e = assertThrows(ApiError.class, () -> parse(wan21, "{\"prompt\": \"a fox\", \"nvext\": {\"num_frames\": 80}}"));
        assertTrue(e.getMessage().contains("must be 4k+1 (1, 5, 9, …, 81, …): the nearest allowed values are 77 and 81"), e.getMessage());
    }

    /** A VAE that compresses time 8× (a made-up geometry): the rule and the rounding follow it with no edit here. */
    @Test void anotherTemporalFactorNeedsNoEditHere() {
        VideoGeometry eight = new VideoGeometry(8, 16, 48, new int[] {1, 2, 2}, 1024);
        assertEquals(81, parse(eight, "{\"prompt\": \"a fox\", \"seconds\": 5}").spec().numFrames());   // 80 → 81 = 8·10 + 1
        assertEquals(89, parse(eight, "{\"prompt\": \"a fox\", \"seconds\": \"5.5\"}").spec().numFrames());  // 88 → 89
        ApiError e = assertThrows(ApiError.class, () -> parse(eight, "{\"prompt\": \"a fox\", \"nvext\": {\"num_frames\": 77}}"));
        assertTrue(e.getMessage().contains("must be 8k+1 (1, 9, 17, …, 81, …): the nearest allowed values are 73 and 81"), e.getMessage());
    }

    /** Wan2.2 A14B's second guidance scale travels in nvext.guidance_scale_2; absent, the model's default (none). */
    @Test void secondGuidanceScale() {
        VideoGeometry wan21 = new VideoGeometry(4, 8, 16, new int[] {1, 2, 2}, 1024);
        assertEquals(3.0, parse(wan21, "{\"prompt\": \"a fox\", \"nvext\": {\"guidance_scale\": 4, \"guidance_scale_2\": 3}}").spec().guidanceScale2());
        assertEquals(null, parse(wan21, "{\"prompt\": \"a fox\"}").spec().guidanceScale2());
        ApiError e = assertThrows(ApiError.class, () -> parse(wan21, "{\"prompt\": \"a fox\", \"nvext\": {\"guidance_scale_2\": -1}}"));
        assertTrue(e.getMessage().contains("guidance_scale_2"), e.getMessage());
    }
}
