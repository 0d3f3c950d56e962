package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.ConfigJson;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One real-size (Wan2.1-T2V-1.3B) DiT forward on the CPU with random fp32 weights, for a 9×64×64 video
 * (latents 16×3×8×8, 48 tokens) and 512 text tokens. Needs about 6 GB of heap:
 * {@code -Dreel.test.excluded= -Dreel.test.heap=10g -Dtest=WanTransformerTimingTest}.
 */
@Tag("slow")
class WanTransformerTimingTest {

    private static Tensor random(Backend b, long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return b.fromFloats(v, DType.F32, shape);
    }

    @Test
    void realSizeForwardOnCpu() {
        Backend cpu = Backends.cpu();
        var config = WanTransformerConfig.fromConfig(ConfigJson.read(
                WanTransformerRealSizeTest.realConfig("wan2.1-t2v-1.3b").resolve("transformer/config.json")));
        long t0 = System.nanoTime();
        var model = WanTransformer3DModel.random(config, 42, DType.F32, cpu);
        long built = System.nanoTime();
        Tensor latents = random(cpu, 1, 1, 16, 3, 8, 8);
        Tensor text = random(cpu, 2, 1, 512, 4096);

        double best = Double.MAX_VALUE;
        for (int run = 0; run < 2; run++) {
            try (Scope scope = Scope.open()) {
                long s = System.nanoTime();
                Tensor out = model.forward(latents, new float[] {999f}, text);
                double ms = (System.nanoTime() - s) / 1e6;
                best = Math.min(best, ms);
                assertArrayEquals(new int[] {1, 16, 3, 8, 8}, out.shape());
                for (float v : out.toFloatArray()) assertTrue(Float.isFinite(v));
                System.out.printf("Wan2.1-1.3B DiT forward, 16×3×8×8 latents + 512 text tokens, fp32 CPU (%d cores): run %d %.0f ms%n",
                        Runtime.getRuntime().availableProcessors(), run, ms);
            }
        }
        System.out.printf("random weights built in %.1f s; best forward %.0f ms%n", (built - t0) / 1e9, best);
    }
}
