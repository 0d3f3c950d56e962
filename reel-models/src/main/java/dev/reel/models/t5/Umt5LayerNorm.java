package dev.reel.models.t5;

import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;
import dev.reel.models.nn.Parameter;

/**
 * T5's layer norm ({@code UMT5LayerNorm}): RMS only, no mean and no bias, statistics in fp32, and the result in the
 * weight's dtype when that is 16-bit ("convert into half-precision if necessary"). The last rule matters once
 * {@code wo} is kept fp32: the residual stream is fp32 from then on, and each norm hands the 16-bit layers after
 * it a 16-bit input again.
 */
final class Umt5LayerNorm extends Module {
    final Parameter weight;
    private final float eps;

    Umt5LayerNorm(int dim, float eps) {
        this.eps = eps;
        this.weight = param("weight", dim);
    }

    /** {@code [..., dim]} → the same shape, in the weight's dtype if that is 16-bit, else in x's. */
    Tensor forward(Tensor x) {
        Tensor w = weight.get();
        Tensor y = x.backend().rmsNorm(x, w, eps);
        return w.dtype().byteSize() < 4 && y.dtype() != w.dtype() ? y.to(w.dtype()) : y;
    }
}
