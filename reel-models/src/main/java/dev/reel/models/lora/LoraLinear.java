package dev.reel.models.lora;

import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Linear;
import dev.reel.models.nn.Module;

/**
 * The low-rank side path of one adapted linear, PEFT's {@code lora.Linear}: {@code scale · lora_B(lora_A(x))},
 * with {@code lora_A [r, in]} and {@code lora_B [out, r]} named as in PEFT and Diffusers files.
 */
public final class LoraLinear extends Module implements Linear.Adapter {
    /** {@code lora_A}: in → r, no bias. */
    public final Linear loraA;
    /** {@code lora_B}: r → out, no bias. */
    public final Linear loraB;
    private final float scale;

    /**
     * @param in    the adapted linear's input features
     * @param out   its output features
     * @param rank  r
     * @param scale the factor on {@code B·A·x} (PEFT's {@code scaling}, times any user strength)
     */
    public LoraLinear(int in, int out, int rank, float scale) {
        this.loraA = child("lora_A", new Linear(in, rank, false));
        this.loraB = child("lora_B", new Linear(rank, out, false));
        this.scale = scale;
    }

    /** r. */
    public int rank() { return loraA.outFeatures(); }

    /** The factor on {@code B·A·x}. */
    public float scale() { return scale; }

    /** x {@code [..., in]} → {@code scale · B·A·x} {@code [..., out]}. */
    @Override public Tensor forward(Tensor x) {
        return loraB.forward(loraA.forward(x)).mul(scale);
    }

    /** {@code scale · B·A} {@code [out, in]} in fp32: what merging adds to the adapted weight. */
    public Tensor delta() {
        Tensor b = loraB.weight.get();
        return b.backend().matmul(b.to(DType.F32), loraA.weight.get().to(DType.F32)).mul(scale);
    }
}
