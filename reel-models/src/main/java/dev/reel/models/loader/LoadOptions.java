package dev.reel.models.loader;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.core.SystemOptions;
import java.util.Objects;

/**
 * How components are loaded: the device and the dtype their weights are stored and computed in, chosen at load.
 *
 * @param device           where weights live
 * @param dtype            dtype of the transformer's weights (modules the reference keeps in fp32 stay fp32)
 * @param textEncoderDtype dtype of the text encoder's weights (e.g. BF16: UMT5-XXL in ~13 GB instead of ~23, its {@code wo} kept fp32)
 * @param vaeDtype         dtype of the VAE's weights and compute
 * @param system           the system parameters the edge read (the backend of {@code device} is built with them)
 */
public record LoadOptions(Device device, DType dtype, DType textEncoderDtype, DType vaeDtype, SystemOptions system) {
    public LoadOptions {
        Objects.requireNonNull(system, "system");
        if (!dtype.isFloating()) throw new ReelException("weights dtype must be floating point, got " + dtype);
        if (!textEncoderDtype.isFloating()) throw new ReelException("text encoder dtype must be floating point, got " + textEncoderDtype);
        if (!vaeDtype.isFloating()) throw new ReelException("VAE dtype must be floating point, got " + vaeDtype);
    }

    /** fp32 on the CPU. */
    public static LoadOptions cpu() { return new LoadOptions(Device.CPU, DType.F32, DType.F32, DType.F32, SystemOptions.defaults()); }

    /** The backend of {@link #device}. */
    public Backend backend() { return Backends.of(device, system); }

    /**
     * The weights dtype for a component slot ({@code text_encoder*} and {@code vae} get their own; the CLIP
     * {@code image_encoder} runs in fp32, once per video, as Diffusers' Wan image-to-video examples load it).
     */
    public DType dtypeFor(String componentName) {
        if (componentName.startsWith("text_encoder")) return textEncoderDtype;
        if (componentName.equals("image_encoder")) return DType.F32;
        return componentName.equals("vae") ? vaeDtype : dtype;
    }
}
