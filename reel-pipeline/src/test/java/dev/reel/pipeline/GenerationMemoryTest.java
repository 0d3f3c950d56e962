package dev.reel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reel.core.Scope;
import dev.reel.core.cpu.CpuStorage;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.pipeline.stages.PipelineState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Nothing outlives a generation: over 20 generations of the fixture pipeline (with guidance, UniPC of order 2, so
 * the sampler keeps a history) the bytes of unfreed CPU storage come back to the same value after each one. The
 * states, schedulers included, are kept reachable, so memory that was not freed cannot hide behind the garbage
 * collector; on a GPU it would stay allocated.
 */
class GenerationMemoryTest {
    private static final int GENERATIONS = 20;

    @Test
    void bytesInUseAreFlatOverTwentyGenerations() {
        try (VideoGenerator gen = VideoGenerator.fromPretrained(TestFixtures.locate().pipelineDir(), GeneratorOptions.defaults())) {
            GenerationRequest request = gen.requestBuilder("A red fox runs through a snowy forest at dawn.")
                    .negativePrompt("blurred").size(32, 32).numFrames(1).numInferenceSteps(3).guidanceScale(5.0).seed(11L).build();
            List<PipelineState> states = new ArrayList<>();   // keeps every scheduler reachable
            long[] after = new long[GENERATIONS];
            for (int i = 0; i < GENERATIONS; i++) {
                try (Scope scope = Scope.open()) {
                    states.add(gen.run(request, ProgressListener.NONE, new CancellationToken(), false));
                }
                after[i] = CpuStorage.liveBytes();
            }
            for (int i = 1; i < GENERATIONS; i++) {
                assertEquals(after[0], after[i], "bytes in use after generation " + (i + 1) + " vs after the first: " + java.util.Arrays.toString(after));
            }
            assertEquals(GENERATIONS, states.size());
        }
    }
}
