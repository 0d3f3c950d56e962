package dev.reel.models.wan;

import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Linear;
import dev.reel.models.nn.Module;

/**
 * Diffusers' {@code FeedForward(dim, inner_dim, activation_fn="gelu-approximate")}: {@code net.0.proj} Linear
 * then tanh-GELU, ({@code net.1} is dropout), {@code net.2} Linear; {@code [..., dim] → [..., dim]}.
 */
public final class FeedForward extends Module {
    /** {@code net.0.proj}: dim → inner. */
    public final Linear net0Proj;
    /** {@code net.2}: inner → dim. */
    public final Linear net2;

    public FeedForward(int dim, int innerDim) {
        this.net0Proj = child("net.0.proj", new Linear(dim, innerDim, true));
        this.net2 = child("net.2", new Linear(innerDim, dim, true));
    }

    public Tensor forward(Tensor x) {
        try (Scope scope = Scope.open()) {   // the wide hidden state dies as soon as net.2 has read it
            Tensor h = net0Proj.forwardGeluTanh(x);   // [..., inner]
            return scope.keep(net2.forward(h));
        }
    }
}
