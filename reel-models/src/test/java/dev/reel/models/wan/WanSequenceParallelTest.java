package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.dist.ParallelPlan;
import dev.reel.core.dist.RankContext;
import dev.reel.core.dist.RankThreads;
import dev.reel.core.fixtures.Compare;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ulysses sequence parallel over N in-process CPU ranks gives the single-device prediction (fp32). The model is
 * fixture-like (two blocks, as the reference fixture's) but with 12 heads, so 2, 3 and 4 all divide them; its
 * 3×3×5 = 45 tokens split unevenly over 2 and 4 ranks, so padding is exercised too.
 */
class WanSequenceParallelTest {
    private static final Backend CPU = Backends.cpu();
    private static WanTransformer3DModel model;
    private static Tensor latents, text;
    private static float[] single;

    /** 12 heads of 12 channels (dim 144), 2 layers, text 32-wide, patch 1×2×2. */
    static WanTransformerConfig twelveHeads() {
        return new WanTransformerConfig(new int[] {1, 2, 2}, 12, 12, 16, 16, 32, 256, 64, 2, true, 1e-6, 32);
    }

    static Tensor gaussian(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return CPU.fromFloats(v, DType.F32, shape);
    }

    @BeforeAll
    static void singleDevice() {
        model = WanTransformer3DModel.random(twelveHeads(), 7, DType.F32, CPU);
        latents = gaussian(1, 1, 16, 3, 6, 10);
        text = gaussian(2, 1, 8, 32);
        single = model.forward(latents, new float[] {700f}, text).toFloatArray();
    }

    @ParameterizedTest @ValueSource(ints = {2, 3, 4})
    void spNMatchesOneDevice(int n) {
        List<RankContext> ranks = RankContext.create(new ParallelPlan(1, n), Collections.nCopies(n, Device.CPU));
        try (RankThreads threads = new RankThreads(n)) {
            List<float[]> outs = threads.run(ranks, rc -> {
                try (Scope s = Scope.open()) {
                    Tensor out = model.forward(latents, new float[] {700f}, text, rc.sp());
                    assertArrayEquals(new int[] {1, 16, 3, 6, 10}, out.shape());
                    return out.toFloatArray();
                }
            });
            for (int r = 0; r < n; r++) {
                double rel = Compare.relErr(outs.get(r), single);
                System.out.printf("DiT sp=%d rank %d vs one device: rel. error %.2e%n", n, r, rel);
                assertTrue(rel <= 1e-5, "sp=" + n + " rank " + r + ": rel " + rel);
            }
        }
    }

    @Test
    void aDegreeThatDoesNotDivideTheHeadsIsRefused() {
        List<RankContext> ranks = RankContext.create(new ParallelPlan(1, 5), Collections.nCopies(5, Device.CPU));
        try (RankThreads threads = new RankThreads(5)) {
            var e = assertThrows(ReelException.class, () -> threads.run(ranks, rc -> model.forward(latents, new float[] {700f}, text, rc.sp())));
            assertEquals("--parallel sp=5 does not divide the transformer's 12 attention heads (Ulysses gives each rank heads/sp heads); use one of 1, 2, 3, 4, 6, 12", e.getMessage());
        }
    }
}
