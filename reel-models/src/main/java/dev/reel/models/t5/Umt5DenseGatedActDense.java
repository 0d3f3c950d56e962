package dev.reel.models.t5;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Linear;
import dev.reel.models.nn.Module;

/** Gated feed-forward network: {@code wo(act(wi_0·x) ⊙ wi_1·x)}, all projections bias-free. */
final class Umt5DenseGatedActDense extends Module {
    final Linear wi0, wi1, wo;
    private final Backend.Unary activation;

    Umt5DenseGatedActDense(Umt5Config c) {
        wi0 = child("wi_0", new Linear(c.dModel(), c.dFf(), false));
        wi1 = child("wi_1", new Linear(c.dModel(), c.dFf(), false));
        wo = child("wo", new Linear(c.dFf(), c.dModel(), false));
        activation = c.activation();
    }

    /**
     * {@code [B, L, dModel]} → {@code [B, L, dFf]} → {@code [B, L, dModel]}. When {@code wo} is kept fp32 (see
     * {@link UMT5EncoderModel#keepsWoInFp32}) its input is cast to fp32 first and the output is fp32, as
     * Transformers' {@code UMT5DenseGatedActDense} does.
     */
    Tensor forward(Tensor x) {
        Tensor gate = x.backend().unary(activation, wi0.forward(x));
        Tensor h = gate.mul(wi1.forward(x));
        DType woDtype = wo.weight.get().dtype();
        return wo.forward(h.dtype() == woDtype ? h : h.to(woDtype));
    }
}
