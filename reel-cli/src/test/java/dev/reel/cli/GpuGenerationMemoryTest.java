package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.Scope;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.core.Backend;
import dev.reel.pipeline.CancellationToken;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.ProgressListener;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.pipeline.stages.PipelineState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The GPU pool's bytes in use are flat over 5 generations of the fixture pipeline in bf16 (guidance on, UniPC
 * keeping a history): the sampler's state and every intermediate are returned at the end of each generation.
 * The states are kept reachable, as a server's job records would keep them. Tagged "gpu"; skipped without CUDA.
 */
@Tag("gpu")
class GpuGenerationMemoryTest {
    private static final int GENERATIONS = 5;

    @Test
    void poolBytesInUseAreFlatOverFiveGenerations() {
        Assumptions.assumeTrue(Backends.available(Device.Type.CUDA), "no CUDA device, GPU memory test skipped");
        Device device = Device.cuda(0);
        Backend gpu = Backends.of(device);
        GeneratorOptions options = GeneratorOptions.defaults().withDevice(device).withDtype(DType.BF16);
        try (VideoGenerator gen = VideoGenerator.fromPretrained(TestFixtures.locate().pipelineDir(), options)) {
            GenerationRequest request = gen.requestBuilder("A red fox runs through a snowy forest at dawn.")
                    .negativePrompt("blurred").size(64, 48).numFrames(9).numInferenceSteps(4).guidanceScale(5.0).seed(11L).build();
            List<PipelineState> states = new ArrayList<>();
            long[] after = new long[GENERATIONS];
            for (int i = 0; i < GENERATIONS; i++) {
                try (Scope scope = Scope.open()) {
                    states.add(gen.run(request, ProgressListener.NONE, new CancellationToken(), false));
                }
                gpu.synchronize();   // frees are stream-ordered: count once the stream has reached them
                after[i] = gpu.memoryStats().inUseBytes();
            }
            System.out.println("GPU pool bytes in use after each generation: " + Arrays.toString(after));
            for (int i = 1; i < GENERATIONS; i++) {
                assertEquals(after[0], after[i], "pool bytes in use after generation " + (i + 1) + " vs after the first: " + Arrays.toString(after));
            }
        }
    }
}
