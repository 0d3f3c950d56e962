package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.dist.Communicator;
import dev.reel.core.dist.Communicators;
import dev.reel.core.fixtures.Compare;
import dev.reel.cuda.CudaBackendProvider;
import dev.reel.cuda.NcclCommunicator;
import dev.reel.models.nn.ConfigJson;
import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.models.wan.WanTransformerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * NCCL with one rank on the first GPU: each collective returns its input (the definition for one rank), and the Wan
 * DiT with its tokens "split" over the one-rank NCCL group (every all-to-all and all-gather really runs through
 * NCCL on the backend's stream) gives the non-parallel output. Tagged "gpu"; {@link #main} runs it without a JUnit
 * launcher on the GPU machine.
 */
@Tag("gpu")
class NcclOneRankTest {
    private static Backend gpu;
    private static Communicator one;

    @BeforeAll
    static void open() {
        String why = new CudaBackendProvider().unavailableReason(dev.reel.core.SystemOptions.defaults());
        Assumptions.assumeTrue(why == null, () -> "no CUDA device: " + why);
        gpu = Backends.of(Device.cuda(0));
        one = Communicators.group(List.of(Device.cuda(0))).getFirst();
        System.out.println("NCCL " + NcclCommunicator.version() + ", one rank on " + gpu.device());
    }

    private static Tensor gaussian(Backend b, long seed, DType t, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return b.fromFloats(v, t, shape);
    }

    @Test
    void collectivesOfOneRankReturnTheInput() {
        for (DType t : new DType[] {DType.F32, DType.BF16}) {
            try (Scope s = Scope.open()) {
                Tensor x = gaussian(gpu, 1, t, 2, 6, 4);
                float[] want = x.toFloatArray();
                check(t + " allReduceSum", want, one.allReduceSum(x));
                check(t + " allGather(dim 1)", want, one.allGather(x, 1));
                check(t + " allToAll(2 → 1)", want, one.allToAll(x, 2, 1));
                check(t + " broadcast", want, one.broadcast(x, 0));
                check(t + " allGather of a view", gaussian(Backends.cpu(), 1, t, 2, 6, 4).transpose(0, 1).toFloatArray(), one.allGather(x.transpose(0, 1), 0));
            }
        }
    }

    private static void check(String what, float[] want, Tensor got) {
        double rel = Compare.relErr(got.toFloatArray(), want);
        System.out.printf("NCCL one rank %-28s rel. error %.2e%n", what, rel);
        assertEquals(0.0, rel, what);
    }

    @Test
    void theDitOverAOneRankNcclGroupMatchesTheNonParallelForward() {
        // fixture-like model with 12 heads (as the CPU SP tests), fp32 and bf16
        var config = new WanTransformerConfig(new int[] {1, 2, 2}, 12, 12, 16, 16, 32, 256, 64, 2, true, 1e-6, 32);
        for (DType t : new DType[] {DType.F32, DType.BF16}) {
            ditCase("12-head fixture-like " + t, WanTransformer3DModel.random(config, 7, t, gpu), t, new int[] {1, 16, 3, 6, 10}, 8, 32);
        }
        Path real = Path.of(System.getProperty("reel.test.configs", "../shared/configs"), "wan2.1-t2v-1.3b/transformer/config.json");
        if (Files.isRegularFile(real)) {
            var c13 = WanTransformerConfig.fromConfig(ConfigJson.read(real));
            ditCase("Wan2.1-1.3B bf16, 9x64x64", WanTransformer3DModel.random(c13, 42, DType.BF16, gpu), DType.BF16, new int[] {1, 16, 3, 8, 8}, 512, 4096);
        }
    }

    private static void ditCase(String what, WanTransformer3DModel model, DType t, int[] latentShape, int textLen, int textDim) {
        try (Scope s = Scope.open()) {
            Tensor latents = gaussian(gpu, 1, DType.F32, latentShape);
            Tensor text = gaussian(gpu, 2, t, 1, textLen, textDim);
            float[] plain = model.forward(latents, new float[] {700f}, text).toFloatArray();
            float[] viaNccl = model.forward(latents, new float[] {700f}, text, one).toFloatArray();
            double rel = Compare.relErr(viaNccl, plain);
            System.out.printf("DiT %s: one-rank NCCL SP vs plain forward rel. error %.2e%n", what, rel);
            assertTrue(rel <= 1e-5, what + ": rel " + rel);
        }
    }

    /** Runs the checks without a JUnit launcher (the GPU machine has only the jars). */
    public static void main(String[] args) {
        open();
        NcclOneRankTest test = new NcclOneRankTest();
        test.collectivesOfOneRankReturnTheInput();
        test.theDitOverAOneRankNcclGroupMatchesTheNonParallelForward();
        one.close();
        System.out.println("NcclOneRankTest: all checks passed");
    }
}
