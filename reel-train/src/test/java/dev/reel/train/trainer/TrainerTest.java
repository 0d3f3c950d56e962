package dev.reel.train.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.train.optim.AdamW;
import dev.reel.train.optim.LrSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training end to end on the fixture transformer (CPU, fp32): overfitting one batch, and exact resume. */
class TrainerTest {
    private static final Backend CPU = Backends.cpu();
    private static final Path TRANSFORMER = TestData.path("wan21-tiny/pipeline/transformer");

    /** The stated bar: 40 AdamW steps on one batch bring the loss below this fraction of its start. */
    static final double OVERFIT_FRACTION = 0.5;

    private static Trainer trainer(TrainOptions o) {
        WanTransformer3DModel model = WanTransformer3DModel.load(TRANSFORMER, DType.F32, CPU);
        return new Trainer(model, Trainer.allParameters(model), AdamW.defaults(), o, new FixedBatch(CPU), CPU);
    }

    @Test void overfitsOneBatch() {
        int steps = 40;
        TrainOptions o = new TrainOptions(steps, new LrSchedule(LrSchedule.Kind.CONSTANT, 1e-2f, 5, steps), 0f, 1f, true, 1,
                new SigmaSampling(SigmaSampling.Kind.UNIFORM, 0, 1, 1), 0f, 0f, 0, true);
        Trainer t = trainer(o);
        List<Float> curve = new ArrayList<>();
        for (int s = 0; s < steps; s++) curve.add(t.step(s).loss());
        System.out.println("overfit curve (loss per step): " + curve);
        float start = curve.getFirst(), end = curve.getLast();
        assertTrue(end < OVERFIT_FRACTION * start, "loss " + start + " → " + end + " is not below " + OVERFIT_FRACTION + "× its start");
    }

    @Test void resumeIsBitIdentical(@TempDir Path dir) {
        int total = 6, k = 3;
        TrainOptions o = new TrainOptions(total, new LrSchedule(LrSchedule.Kind.COSINE, 1e-3f, 2, total), 0.01f, 0.5f, true, 42,
                new SigmaSampling(SigmaSampling.Kind.LOGIT_NORMAL, 0, 1, 3), 0.5f, 0.9f, 0, false);
        Trainer straight = trainer(o);
        for (int s = 0; s < total; s++) straight.step(s);

        Trainer first = trainer(o);
        for (int s = 0; s < k; s++) first.step(s);
        Path ckpt = TrainingCheckpoint.save(dir.resolve("checkpoint-3"), first, k, null, TRANSFORMER.resolve("config.json"));
        assertTrue(Files.exists(ckpt.resolve("transformer/diffusion_pytorch_model.safetensors")));

        // a fresh process's view: the model loaded from the checkpoint's Diffusers folder, state restored
        WanTransformer3DModel model = WanTransformer3DModel.load(ckpt.resolve("transformer"), DType.F32, CPU);
        Trainer resumed = new Trainer(model, Trainer.allParameters(model), AdamW.defaults(), o, new FixedBatch(CPU), CPU);
        int next = TrainingCheckpoint.restore(ckpt, resumed, CPU);
        assertEquals(k, next);
        for (int s = next; s < total; s++) resumed.step(s);

        Map<String, dev.reel.models.nn.Parameter> a = straight.model().namedParameters(), b = resumed.model().namedParameters();
        for (String key : a.keySet()) {
            assertArrayEquals(a.get(key).get().toFloatArray(), b.get(key).get().toFloatArray(), 0f, key);
        }
        for (String key : straight.ema().weights().keySet()) {
            assertArrayEquals(straight.ema().weights().get(key).toFloatArray(), resumed.ema().weights().get(key).toFloatArray(), 0f, "ema " + key);
        }
    }
}
