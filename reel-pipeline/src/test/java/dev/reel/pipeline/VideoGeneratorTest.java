package dev.reel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Scope;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.pipeline.media.VideoProbe;
import dev.reel.pipeline.stages.PipelineState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link VideoGenerator} end to end on the demo pipeline (tiny, random weights): output, validation, cancellation. */
class VideoGeneratorTest {
    static VideoGenerator gen;

    @TempDir Path dir;

    @BeforeAll static void load() { gen = VideoGenerator.demo(GeneratorOptions.defaults().withLimits(new GenerationLimits(256, 256, 33, 50, Long.MAX_VALUE))); }

    @AfterAll static void close() { gen.close(); }

    private GenerationRequest.Builder small() {
        return gen.requestBuilder("a red fox in the snow").size(64, 48).numFrames(5).numInferenceSteps(2).seed(7L);
    }

    private static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) { return s.toList(); }
    }

    @Test
    void writesAnMp4AndTimesEveryStage() throws Exception {
        Path out = dir.resolve("fox.mp4");
        List<String> stages = new ArrayList<>();
        List<Integer> steps = new ArrayList<>();
        ProgressListener listener = new ProgressListener() {
            @Override public void onStep(int step, int total, Duration elapsed) { steps.add(step); assertEquals(2, total); }
            @Override public void onStage(String stage) { stages.add(stage); }
        };
        GenerationResult r = gen.generate(small().output(out).build(), listener, new CancellationToken());
        assertEquals(List.of("InputValidation", "TextEncoding", "TimestepPreparation", "LatentPreparation", "Denoising", "Decoding", "Output"), stages);
        assertEquals(stages, r.timings().stream().map(StageTiming::stage).toList());
        assertEquals(List.of(1, 2), steps);
        assertEquals(out.toAbsolutePath(), r.output());
        assertEquals(7L, r.seed());
        assertEquals(5, r.frames().count());
        VideoProbe p = VideoProbe.of(out);
        assertEquals("h264", p.codec());
        assertEquals("yuv420p", p.pixelFormat());
        assertEquals(5, p.frames());
        assertEquals(48, p.width());
        assertEquals(64, p.height());
        assertEquals(List.of(out), files(dir), "no temporary file is left");
    }

    @Test
    void aSeedGivesTheSameVideoAndAnotherSeedADifferentOne() {
        float[] a = gen.generate(small().build()).frames().rgb();
        float[] b = gen.generate(small().build()).frames().rgb();
        float[] c = gen.generate(small().seed(8L).build()).frames().rgb();
        // equal up to float rounding (the CPU backend's parallel sums may associate differently run to run)
        double same = dev.reel.core.fixtures.Compare.relErr(b, a), other = dev.reel.core.fixtures.Compare.relErr(c, a);
        assertTrue(same <= 1e-5, "same seed: rel err " + same);
        assertTrue(other >= 1e-2, "other seed: rel err " + other);
    }

    @Test
    void guidanceAtMostOneSkipsTheNegativePrompt() {
        try (Scope s = Scope.open()) {
            PipelineState st = gen.run(small().guidanceScale(1.0).build(), ProgressListener.NONE, new CancellationToken(), false);
            assertNull(st.negativePromptEmbeds);
            PipelineState cfg = gen.run(small().guidanceScale(1.5).build(), ProgressListener.NONE, new CancellationToken(), false);
            assertEquals(List.of(1, 64, 32), List.of(cfg.negativePromptEmbeds.shape()[0], cfg.negativePromptEmbeds.shape()[1], cfg.negativePromptEmbeds.shape()[2]));
        }
    }

    @Test
    void cancellingBetweenStepsStopsWithoutOutput() throws Exception {
        Path out = dir.resolve("cancelled.mp4");
        CancellationToken token = new CancellationToken();
        var e = assertThrows(GenerationCancelledException.class,
                () -> gen.generate(small().numInferenceSteps(4).output(out).build(), (step, total, t) -> { if (step == 1) token.cancel(); }, token));
        assertEquals(1, e.completedSteps());
        assertEquals(4, e.totalSteps());
        assertEquals(List.of(), files(dir));
    }

    @Test
    void randomWeightsCanStandInRandomTextEmbeddingsForTheEncoder() {
        Path pipeline = TestFixtures.locate().pipelineDir();
        try (VideoGenerator g = VideoGenerator.randomWeights(pipeline, GeneratorOptions.defaults(), 3L, java.util.Map.of(), true)) {
            assertFalse(g.components().has("text_encoder"));
            assertTrue(g.description().contains("random text embeddings"), g.description());
            try (Scope s = Scope.open()) {
                PipelineState st = g.run(g.requestBuilder("fox").size(32, 32).numFrames(1).numInferenceSteps(1).maxSequenceLength(16).build(),
                        ProgressListener.NONE, new CancellationToken(), false);
                float[] e = st.promptEmbeds.toFloatArray();  // [1, 16, 32]: random up to the real length, zero after
                assertTrue(e[0] != 0f);
                assertEquals(0f, e[e.length - 1]);
                assertEquals(1, st.frames.count());
            }
        }
    }

    /** Every rule: typed exception naming field, value and rule; nothing computed; no file written. */
    @Test
    void invalidRequestsFailBeforeAnyComputeAndWriteNothing() throws Exception {
        Path out = dir.resolve("never.mp4");
        record Case(UnaryOperator<GenerationRequest.Builder> edit, String field, String message) {}
        List<Case> cases = List.of(
                new Case(b -> b.prompt(""), "prompt", "prompt = \"\": must not be empty"),
                new Case(b -> b.height(72), "height", "height = 72: must be a positive multiple of 16"),
                new Case(b -> b.width(50), "width", "width = 50: must be a positive multiple of 16"),
                new Case(b -> b.height(272), "height", "height = 272: must be at most 256"),
                new Case(b -> b.width(512), "width", "width = 512: must be at most 256"),
                new Case(b -> b.numFrames(6), "numFrames", "numFrames = 6: must be 4k+1 (1, 5, 9, …, 81, …)"),
                new Case(b -> b.numFrames(37), "numFrames", "numFrames = 37: must be at most 33"),
                new Case(b -> b.numInferenceSteps(0), "numInferenceSteps", "numInferenceSteps = 0: must be at least 1"),
                new Case(b -> b.numInferenceSteps(51), "numInferenceSteps", "numInferenceSteps = 51: must be at most 50"),
                new Case(b -> b.guidanceScale(-1), "guidanceScale", "guidanceScale = -1.0: must be a finite number ≥ 0"),
                new Case(b -> b.fps(0), "fps", "fps = 0: must be at least 1"),
                new Case(b -> b.maxSequenceLength(0), "maxSequenceLength", "maxSequenceLength = 0: must be at least 1"),
                new Case(b -> b.crf(99), "crf", "crf = 99: must be in 0..51"),
                new Case(b -> b.output(dir.resolve("missing/never.mp4")), "output",
                        "output = " + dir.resolve("missing/never.mp4") + ": its directory " + dir.resolve("missing") + " must exist"));
        for (Case c : cases) {
            List<String> stages = new ArrayList<>();
            ProgressListener l = new ProgressListener() {
                @Override public void onStep(int step, int total, Duration elapsed) { stages.add("step"); }
                @Override public void onStage(String stage) { stages.add(stage); }
            };
            GenerationRequest r = c.edit().apply(small().output(out)).build();
            var e = assertThrows(InvalidRequestException.class, () -> gen.generate(r, l, new CancellationToken()));
            System.out.println("rejected: " + e.getMessage());
            assertEquals(c.field(), e.field());
            assertEquals(c.message(), e.getMessage());
            assertEquals(List.of("InputValidation"), stages, "no stage after validation ran for " + c.field());
            assertEquals(List.of(), files(dir), "no output for " + c.field());
        }
    }
}
