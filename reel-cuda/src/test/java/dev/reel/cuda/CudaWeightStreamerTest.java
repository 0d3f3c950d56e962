package dev.reel.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.Scope;
import dev.reel.core.SystemOptions;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.models.wan.WanTransformer3DModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Memory level 3 on the GPU: the transformer with its blocks streamed from pinned host memory
 * ({@link CudaWeightStreamer}) gives bit-identical outputs to the resident one, pass after pass (the second pass
 * starts from the prefetch the first one's last block queued). The device memory of each is printed.
 */
@Tag("gpu")
class CudaWeightStreamerTest {
    private static final String CASE = "transformer";

    @BeforeAll
    static void needsCuda() {
        String why = Backends.unavailableReason(Device.Type.CUDA, SystemOptions.defaults());
        Assumptions.assumeTrue(why == null, () -> "no CUDA device, weight streaming test skipped: " + why);
    }

    @Test
    void streamedBlocksGiveTheResidentOutputExactly() {
        FixtureSet fixtures = TestFixtures.locate();
        Backend gpu = Backends.of(Device.parse("cuda"));
        Path dir = fixtures.pipelineDir().resolve("transformer");
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            WanTransformer3DModel resident = WanTransformer3DModel.load(dir, dtype, gpu);
            gpu.synchronize();
            long before = gpu.memoryStats().inUseBytes();
            WanTransformer3DModel streamed = WanTransformer3DModel.load(dir, dtype, gpu);
            gpu.synchronize();
            long oneResident = gpu.memoryStats().inUseBytes() - before;
            streamed.streamBlocks(gpu::streamWeights);
            gpu.synchronize();
            long oneStreamed = gpu.memoryStats().inUseBytes() - before;
            try (Scope scope = Scope.open()) {
                Tensor x = gpu.copyFrom(fixtures.tensor(CASE, "hidden_states"));
                float[] t = fixtures.tensor(CASE, "timestep").toFloatArray();
                Tensor text = gpu.copyFrom(fixtures.tensor(CASE, "encoder_hidden_states"));
                float[] expected = resident.forward(x, t, text).toFloatArray();
                for (int pass = 0; pass < 3; pass++) {
                    assertArrayEquals(expected, streamed.forward(x, t, text).toFloatArray(), 0f, dtype + ", pass " + pass);
                }
            }
            System.out.printf("weight streaming, %s: resident model %d bytes on the device, streamed %d%n", dtype, oneResident, oneStreamed);
            streamed.close();
        }
    }
}
