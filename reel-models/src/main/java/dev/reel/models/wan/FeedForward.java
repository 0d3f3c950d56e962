package dev.reel.models.wan;

import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Linear;
import dev.reel.models.nn.Module;

/**
 * Diffusers' {@code FeedForward}: {@code net.0.proj} Linear then GELU ({@code activation_fn="gelu-approximate"}: tanh,
 * the blocks'; {@code "gelu"}: exact, the image embedder's), ({@code net.1} is dropout), {@code net.2} Linear;
 * {@code [..., dim] → [..., dimOut]}.
 */
public final class FeedForward extends Module {
    /** {@code net.0.proj}: dim → inner. */
    public final Linear net0Proj;
    /** {@code net.2}: inner → dimOut. */
    public final Linear net2;

    private final boolean exactGelu;

    /** The blocks' feed-forward: tanh GELU, {@code dim → inner → dim}. */
    public FeedForward(int dim, int innerDim) { this(dim, innerDim, dim, false); }

    /**
     * @param exactGelu erf GELU ({@code activation_fn="gelu"}) rather than tanh ({@code "gelu-approximate"})
     */
    public FeedForward(int dim, int innerDim, int dimOut, boolean exactGelu) {
        this.exactGelu = exactGelu;
        this.net0Proj = child("net.0.proj", new Linear(dim, innerDim, true));
        this.net2 = child("net.2", new Linear(innerDim, dimOut, true));
    }

    public Tensor forward(Tensor x) {
        try (Scope scope = Scope.open()) {   // the wide hidden state dies as soon as net.2 has read it
            Tensor h = exactGelu ? x.backend().gelu(net0Proj.forward(x)) : net0Proj.forwardGeluTanh(x);   // [..., inner]
            return scope.keep(net2.forward(h));
        }
    }
}
