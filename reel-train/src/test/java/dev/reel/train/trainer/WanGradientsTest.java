package dev.reel.train.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.safetensors.SafetensorsFile;
import dev.reel.models.nn.Parameter;
import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.train.autograd.Gradients;
import dev.reel.train.autograd.Tape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Whole-model gradients: the flow-matching loss of the fixture transformer on a fixed batch, and the gradient of
 * every parameter, against PyTorch autograd ({@code reel-train/src/test/python/wan_dit_train_reference.py grads}).
 */
class WanGradientsTest {
    private static final double TOL = 1e-4;
    private static final Backend CPU = Backends.cpu();

    @Test void lossAndEveryParameterGradientMatchPyTorch() {
        check(tape -> BlockRunners.recorded(), "recorded");
    }

    @Test void checkpointedBlocksGiveTheSameGradients() {
        check(BlockRunners::checkpointed, "checkpointed");
    }

    private void check(Function<Tape, WanTransformer3DModel.BlockRunner> runner, String label) {
        WanTransformer3DModel model = WanTransformer3DModel.load(TestData.path("wan21-tiny/pipeline/transformer"), DType.F32, CPU);
        try (SafetensorsFile ref = SafetensorsFile.open(TestData.path("wan21-tiny-train/wan21-tiny-grads.safetensors"));
             Scope scope = Scope.open()) {
            FlowMatching.Batch batch = new FlowMatching.Batch(ref.load("input.x0", DType.F32, CPU), ref.load("input.noise", DType.F32, CPU),
                    ref.load("input.sigma", DType.F32, CPU).toFloatArray(), ref.load("input.encoder_hidden_states", DType.F32, CPU));
            Map<String, Parameter> params = model.namedParameters();
            List<Tensor> leaves = new ArrayList<>();
            params.values().forEach(p -> leaves.add(p.get()));
            Gradients grads = new Gradients();
            float loss;
            try (Tape tape = Tape.open(grads, leaves)) {
                Tensor l = FlowMatching.loss(model, batch, runner.apply(tape));
                loss = l.item();
                tape.backward(l);
            }
            float refLoss = ref.load("loss", DType.F32, CPU).item();
            assertEquals(refLoss, loss, 1e-4 * Math.abs(refLoss), "loss");
            ReferenceGradients r = ReferenceGradients.compare(params, grads, ref);
            System.out.printf("wan21-tiny gradients (%s): loss %.7f (PyTorch %.7f), %d parameters, worst rel err %.2e at %s%n",
                    label, loss, refLoss, params.size(), r.worst(), r.worstKey());
            assertEquals(params.size() + 5, ref.keys().size(), "reference holds every parameter's gradient");
            assertTrue(r.worst() <= TOL, "worst gradient error " + r.worst() + " at " + r.worstKey() + " > " + TOL + "; all: " + r.errors());
            grads.clear();
        }
    }

}
