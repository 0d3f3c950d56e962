package dev.reel.pipeline;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;

/**
 * System-level settings of a {@link VideoGenerator}, fixed at load.
 *
 * @param device          where the models run
 * @param dtype           compute/storage dtype of the transformer (F32 on the CPU)
 * @param textEncoderDtype storage dtype of the text encoder's weights (null = {@code dtype}); BF16 halves the
 *                        memory of UMT5-XXL, computed per layer in {@code dtype}
 * @param vaeDtype        dtype of the VAE (null = F32, as Diffusers' Wan2.1 examples load it and FastVideo's
 *                        {@code vae_precision} defaults; BF16 decodes faster on a GPU at some cost in accuracy)
 * @param maxHeight       largest height a request may ask for
 * @param maxWidth        largest width a request may ask for
 * @param maxFrames       most frames a request may ask for
 * @param maxSteps        most denoising steps a request may ask for
 */
public record GeneratorOptions(Device device, DType dtype, DType textEncoderDtype, DType vaeDtype,
                               int maxHeight, int maxWidth, int maxFrames, int maxSteps) {

    /** CPU, fp32, limits 1280×1280, 241 frames, 200 steps. */
    public static GeneratorOptions defaults() {
        return new GeneratorOptions(Device.CPU, DType.F32, null, null, 1280, 1280, 241, 200);
    }

    public GeneratorOptions withDevice(Device d) { return new GeneratorOptions(d, dtype, textEncoderDtype, vaeDtype, maxHeight, maxWidth, maxFrames, maxSteps); }
    public GeneratorOptions withDtype(DType t) { return new GeneratorOptions(device, t, textEncoderDtype, vaeDtype, maxHeight, maxWidth, maxFrames, maxSteps); }
    public GeneratorOptions withTextEncoderDtype(DType t) { return new GeneratorOptions(device, dtype, t, vaeDtype, maxHeight, maxWidth, maxFrames, maxSteps); }
    public GeneratorOptions withLimits(int maxH, int maxW, int maxT, int maxS) { return new GeneratorOptions(device, dtype, textEncoderDtype, vaeDtype, maxH, maxW, maxT, maxS); }

    public GeneratorOptions withVaeDtype(DType t) { return new GeneratorOptions(device, dtype, textEncoderDtype, t, maxHeight, maxWidth, maxFrames, maxSteps); }

    /** The backend of {@link #device}. */
    public Backend backend() { return Backends.of(device); }

    /** The text encoder's storage dtype. */
    public DType effectiveTextEncoderDtype() { return textEncoderDtype != null ? textEncoderDtype : dtype; }

    /** The VAE's dtype. */
    public DType effectiveVaeDtype() { return vaeDtype != null ? vaeDtype : DType.F32; }
}
