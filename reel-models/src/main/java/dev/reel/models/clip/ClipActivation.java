package dev.reel.models.clip;

import dev.reel.core.Backend;
import dev.reel.core.Tensor;
import dev.reel.models.nn.ConfigException;

/** The MLP activations a CLIP config may name ({@code hidden_act}), as Transformers' {@code ACT2FN} computes them. */
public enum ClipActivation {
    /** {@code x · sigmoid(1.702 x)} (OpenAI CLIP). */
    QUICK_GELU("quick_gelu"),
    /** Exact (erf) GELU (OpenCLIP ViT-H/14, Wan's image encoder). */
    GELU("gelu"),
    /** tanh-approximated GELU. */
    GELU_TANH("gelu_new");

    /** The config's name. */
    public final String configName;

    ClipActivation(String configName) { this.configName = configName; }

    /** The activation named {@code name} ({@code gelu_pytorch_tanh} is {@link #GELU_TANH}); throws naming the supported ones. */
    public static ClipActivation of(String source, String name) {
        if (name.equals("gelu_pytorch_tanh")) return GELU_TANH;
        for (ClipActivation a : values()) if (a.configName.equals(name)) return a;
        throw new ConfigException(source + ": hidden_act \"" + name + "\" is not supported (supported: quick_gelu, gelu, gelu_new, gelu_pytorch_tanh)");
    }

    /** Applies the activation to {@code x}. */
    public Tensor apply(Tensor x) {
        Backend b = x.backend();
        return switch (this) {
            case QUICK_GELU -> x.mul(b.unary(Backend.Unary.SIGMOID, x.mul(1.702f)));
            case GELU -> b.gelu(x);
            case GELU_TANH -> b.geluTanh(x);
        };
    }
}
