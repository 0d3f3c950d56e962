package dev.reel.train.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.safetensors.SafetensorsFile;
import dev.reel.models.nn.Parameter;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.train.autograd.Gradients;
import dev.reel.train.autograd.Tape;
import dev.reel.train.trainer.ReferenceGradients;
import dev.reel.train.trainer.TestData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The VAE's training loss (L1, KL and gradient-difference terms) and the gradient of every parameter against PyTorch
 * autograd on Diffusers' AutoencoderKLWan ({@code reel-train/src/test/python/wan_vae_train_reference.py}): 9-frame
 * clips, so three encoder chunks and three decoder chunks run and the causal caches carry gradients between them.
 */
class VaeGradientsTest {
    private static final Backend CPU = Backends.cpu();

    @Test void lossAndEveryParameterGradientMatchDiffusers() {
        AutoencoderKLWan vae = AutoencoderKLWan.load(TestData.path("wan21-tiny/pipeline/vae"), DType.F32, CPU);
        try (SafetensorsFile ref = SafetensorsFile.open(TestData.path("wan21-tiny-train/wan21-tiny-vae-grads.safetensors"));
             Scope scope = Scope.open()) {
            Tensor x = ref.load("input.x", DType.F32, CPU), eps = ref.load("input.eps", DType.F32, CPU);
            VaeLoss lossFn = new VaeLoss(ref.load("kl_weight", DType.F32, CPU).item(), ref.load("gdl_weight", DType.F32, CPU).item());
            Map<String, Parameter> params = vae.namedParameters();
            List<Tensor> leaves = new ArrayList<>();
            params.values().forEach(p -> leaves.add(p.get()));
            Gradients grads = new Gradients();
            float loss;
            try (Tape tape = Tape.open(grads, leaves)) {
                Tensor l = lossFn.of(vae, x, eps);
                loss = l.item();
                tape.backward(l);
            }
            float refLoss = ref.load("loss", DType.F32, CPU).item();
            assertEquals(refLoss, loss, 1e-5 * Math.abs(refLoss), "loss");
            ReferenceGradients r = ReferenceGradients.compare(params, grads, ref);
            System.out.printf("wan21-tiny VAE gradients: loss %.7f (PyTorch %.7f), %d parameters, worst rel err %.2e at %s%n",
                    loss, refLoss, params.size(), r.worst(), r.worstKey());
            assertEquals(params.size() + 5, ref.keys().size(), "the reference holds every parameter's gradient");
            assertTrue(r.worst() <= 1e-4, "worst gradient error " + r.worst() + " at " + r.worstKey());
            grads.clear();
        }
    }

}
