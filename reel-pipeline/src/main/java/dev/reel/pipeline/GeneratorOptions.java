package dev.reel.pipeline;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.SystemOptions;
import java.util.Objects;

/**
 * Load-time settings of a {@link VideoGenerator}, fixed at load.
 *
 * @param device           where the models run
 * @param dtype            compute/storage dtype of the transformer (F32 on the CPU)
 * @param textEncoderDtype storage dtype of the text encoder's weights (null = {@code dtype}); BF16 halves the
 *                         memory of UMT5-XXL, computed per layer in {@code dtype}
 * @param vaeDtype         dtype of the VAE (null = F32, as Diffusers' Wan2.1 examples load it and FastVideo's
 *                         {@code vae_precision} defaults; BF16 decodes faster on a GPU at some cost in accuracy)
 * @param limits           the largest request accepted
 * @param system           the system parameters (attention backend, caches, library folders) read at the edge
 */
public record GeneratorOptions(Device device, DType dtype, DType textEncoderDtype, DType vaeDtype, GenerationLimits limits,
                               SystemOptions system) {
    public GeneratorOptions {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(system, "system");
    }

    /** CPU, fp32, the default limits and system options. */
    public static GeneratorOptions defaults() {
        return new GeneratorOptions(Device.CPU, DType.F32, null, null, GenerationLimits.defaults(), SystemOptions.defaults());
    }

    public GeneratorOptions withDevice(Device d) { return new GeneratorOptions(d, dtype, textEncoderDtype, vaeDtype, limits, system); }
    public GeneratorOptions withDtype(DType t) { return new GeneratorOptions(device, t, textEncoderDtype, vaeDtype, limits, system); }
    public GeneratorOptions withTextEncoderDtype(DType t) { return new GeneratorOptions(device, dtype, t, vaeDtype, limits, system); }
    public GeneratorOptions withVaeDtype(DType t) { return new GeneratorOptions(device, dtype, textEncoderDtype, t, limits, system); }
    public GeneratorOptions withLimits(GenerationLimits l) { return new GeneratorOptions(device, dtype, textEncoderDtype, vaeDtype, l, system); }
    public GeneratorOptions withSystem(SystemOptions s) { return new GeneratorOptions(device, dtype, textEncoderDtype, vaeDtype, limits, s); }

    /** The backend of {@link #device}. */
    public Backend backend() { return Backends.of(device, system); }

    /** The text encoder's storage dtype. */
    public DType effectiveTextEncoderDtype() { return textEncoderDtype != null ? textEncoderDtype : dtype; }

    /** The VAE's dtype. */
    public DType effectiveVaeDtype() { return vaeDtype != null ? vaeDtype : DType.F32; }
}
