package dev.reel.train.trainer;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.safetensors.SafetensorsFile;
import dev.reel.models.nn.Parameter;
import dev.reel.train.autograd.Gradients;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every parameter's gradient against a PyTorch reference file ({@code grad.<key>}): the relative error of each and
 * the worst of them, for the gradient tests of the models.
 *
 * @param errors each parameter's relative L2 error, in checkpoint order
 * @param worst  the largest of them
 * @param worstKey whose it is
 */
public record ReferenceGradients(Map<String, Double> errors, double worst, String worstKey) {
    /** Compares the gradient {@code grads} holds for each of {@code params} with {@code ref}'s; each must exist. */
    public static ReferenceGradients compare(Map<String, Parameter> params, Gradients grads, SafetensorsFile ref) {
        Map<String, Double> errors = new LinkedHashMap<>();
        double worst = 0;
        String worstKey = "";
        for (var e : params.entrySet()) {
            Tensor g = grads.of(e.getValue().get());
            assertNotNull(g, "no gradient reached " + e.getKey());
            double err = Compare.relErr(g.toFloatArray(), ref.load("grad." + e.getKey(), DType.F32, Backends.cpu()).toFloatArray());
            errors.put(e.getKey(), err);
            if (err > worst) { worst = err; worstKey = e.getKey(); }
        }
        return new ReferenceGradients(errors, worst, worstKey);
    }
}
