package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.models.t5.UMT5EncoderModel;
import dev.reel.models.t5.Umt5Config;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What keeping UMT5's {@code wo} fp32 buys in a bf16 text encoder on the GPU: the relative error of
 * {@code last_hidden_state} against fp32, with {@code wo} in bf16 (Transformers' bf16 load) and kept fp32 (Reel's
 * default, {@link UMT5EncoderModel#keepsWoInFp32}). Printed for the fixture encoder (against Transformers' fp32
 * output) and for UMT5-XXL's widths with seeded random weights (2 layers, 512 tokens, against the same weights in
 * fp32 on the GPU). Tagged "gpu"; skipped where CUDA is absent.
 */
@Tag("gpu")
class Umt5Bf16GpuTest {
    /** The bf16 tolerance the GPU fixture parity uses. */
    private static final double BF16_RTOL = 2e-2;
    private static Backend gpu;

    @BeforeAll
    static void needsCuda() {
        Assumptions.assumeTrue(Backends.available(Device.Type.CUDA), "no CUDA device, UMT5 bf16 measurement skipped");
        gpu = Backends.of(Device.cuda(0));
    }

    @Test
    void fixtureEncoder() {
        FixtureSet set = TestFixtures.locate();
        Tensor ids = set.tensor("text_encoder", "input_ids");
        int[] tokens = ints(ids.toFloatArray()), mask = ints(set.tensor("text_encoder", "attention_mask").toFloatArray());
        float[] ref = set.tensor("text_encoder", "last_hidden_state").toFloatArray();
        double[] err = new double[2];
        for (int keep = 0; keep < 2; keep++) {
            try (Scope scope = Scope.open()) {
                var model = UMT5EncoderModel.load(set.pipelineDir().resolve("text_encoder"), DType.BF16, keep == 1, gpu);
                Tensor out = model.forward(tokens, mask, ids.size(0), ids.size(1));
                assertEquals(DType.BF16, out.dtype());
                err[keep] = Compare.relErr(out.to(DType.F32).toFloatArray(), ref);
            }
        }
        System.out.printf("UMT5 bf16 (fixture encoder) vs Transformers fp32: wo bf16 %.3e, wo fp32 %.3e%n", err[0], err[1]);
        for (double e : err) assertTrue(e <= BF16_RTOL, "bf16 error " + e);
    }

    @Test
    void xxlWidthsWithRandomWeights() {
        Umt5Config xxl = Umt5Config.read(TestFixtures.locate().root().getParent().resolve("configs/wan2.1-t2v-1.3b/text_encoder"));
        Umt5Config c = new Umt5Config(4096, xxl.dModel(), xxl.dKv(), xxl.dFf(), 2, xxl.numHeads(), xxl.relativeAttentionNumBuckets(),
                xxl.relativeAttentionMaxDistance(), xxl.layerNormEpsilon(), xxl.activation());
        int len = 512, real = 40;
        SplittableRandom r = new SplittableRandom(3);
        int[] tokens = new int[len], mask = new int[len];
        for (int i = 0; i < real; i++) { tokens[i] = 2 + r.nextInt(c.vocabSize() - 2); mask[i] = 1; }
        tokens[real - 1] = 1;   // </s>

        float[] ref;
        try (Scope scope = Scope.open()) {
            ref = UMT5EncoderModel.random(c, 5, DType.F32, gpu).forward(tokens, mask, 1, len).toFloatArray();
        }
        double[] err = new double[2];
        for (int keep = 0; keep < 2; keep++) {
            try (Scope scope = Scope.open()) {
                UMT5EncoderModel model = UMT5EncoderModel.random(c, 5, DType.BF16, gpu);
                if (keep == 0) {   // Transformers' bf16 load: wo rounded to bf16 like every other weight
                    model.namedParameters().forEach((k, p) -> { if (p.get().dtype() != DType.BF16) p.set(p.get().to(DType.BF16)); });
                }
                float[] out = model.forward(tokens, mask, 1, len).to(DType.F32).toFloatArray();
                err[keep] = Compare.relErr(Arrays.copyOf(out, real * c.dModel()), Arrays.copyOf(ref, real * c.dModel()));
            }
        }
        System.out.printf("UMT5 bf16 (XXL widths, 2 layers, random weights) vs fp32, %d real tokens: wo bf16 %.3e, wo fp32 %.3e%n", real, err[0], err[1]);
        // measured on the H200: 2.31e-2 with wo in bf16, 2.25e-2 with wo fp32. Random weights at d_model 4096 sit just
        // above the 2e-2 used for trained-size fixtures, so this case checks what the rule is for: wo fp32 is no worse
        assertTrue(err[1] <= err[0], "keeping wo fp32 made the bf16 encoder worse: " + err[1] + " vs " + err[0]);
        for (double e : err) assertTrue(e <= 3e-2, "bf16 error " + e);
    }

    private static int[] ints(float[] f) {
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) out[i] = Math.round(f[i]);
        return out;
    }
}
