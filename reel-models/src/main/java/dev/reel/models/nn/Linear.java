package dev.reel.models.nn;

import dev.reel.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code y = x·Wᵀ + b} with W {@code [out, in]} as stored in checkpoints, plus the outputs of any attached
 * {@link Adapter}s (LoRA applied on the fly: {@code y + Σ adapterᵢ(x)}).
 */
public final class Linear extends Module {
    public final Parameter weight;
    public final Parameter bias;
    private final List<Adapter> adapters = new ArrayList<>();

    /** A low-rank side path added to this layer's output, computed from the layer's input. */
    public interface Adapter {
        /** x {@code [..., in]} → the addition to the layer's output {@code [..., out]}. */
        Tensor forward(Tensor x);
    }

    public Linear(int in, int out, boolean bias) {
        this.weight = param("weight", out, in);
        this.bias = bias ? param("bias", out) : null;
    }

    /** Input features ({@code in}). */
    public int inFeatures() { return weight.shape()[1]; }

    /** Output features ({@code out}). */
    public int outFeatures() { return weight.shape()[0]; }

    /** x {@code [..., in]} → {@code [..., out]}. */
    public Tensor forward(Tensor x) {
        Tensor y = x.backend().linear(x, weight.get(), bias == null ? null : bias.get());
        for (Adapter a : adapters) y = y.add(a.forward(x));
        return y;
    }

    /**
     * {@code geluTanh(forward(x))}: one fused op (the GPU puts the GELU in the GEMM's epilogue) unless adapters
     * must be added before the activation.
     */
    public Tensor forwardGeluTanh(Tensor x) {
        if (adapters.isEmpty()) return x.backend().linearGeluTanh(x, weight.get(), bias == null ? null : bias.get());
        return x.backend().geluTanh(forward(x));
    }

    /** Adds {@code adapter}'s output to this layer's from now on. */
    public void addAdapter(Adapter adapter) { adapters.add(adapter); }

    /** Stops adding {@code adapter}; true if it was attached. */
    public boolean removeAdapter(Adapter adapter) { return adapters.remove(adapter); }

    /** The attached adapters, in order. */
    public List<Adapter> adapters() { return List.copyOf(adapters); }
}
