package dev.reel.cli;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.pipeline.GeneratorOptions;
import picocli.CommandLine.Option;

/** {@code --device}, {@code --dtype}, {@code --text-encoder-dtype} and {@code --vae-dtype}, shared by the commands that load models. */
final class DeviceOptions {
    @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, cuda or cuda:N (default: cuda when available, else cpu)")
    String device;

    @Option(names = "--dtype", paramLabel = "DTYPE", description = "weights/compute dtype: fp32, bf16, fp16 (default: fp32 on cpu, bf16 on cuda)")
    String dtype;

    @Option(names = "--text-encoder-dtype", paramLabel = "DTYPE", description = "storage dtype of the text encoder's weights (default: as --dtype); bf16 halves UMT5-XXL's memory")
    String textEncoderDtype;

    @Option(names = "--vae-dtype", paramLabel = "DTYPE", description = "dtype of the VAE: fp32 (default, as Diffusers' Wan2.1 examples and FastVideo run it), bf16 or fp16 (faster on a GPU)")
    String vaeDtype;

    /** The device asked for, or the best available. */
    Device device() {
        if (device != null) return Device.parse(device);
        return Backends.preferred(msg -> System.err.println("reel: " + msg));
    }

    /** Generator options for these flags. */
    GeneratorOptions generatorOptions() {
        Device d = device();
        DType t = dtype != null ? DType.parse(dtype) : d.type() == Device.Type.CPU ? DType.F32 : DType.BF16;
        if (d.type() == Device.Type.CPU && t != DType.F32) {
            // refused before anything loads: the CPU backend computes in fp32 and has no 16-bit transformer path
            throw new ReelException("--dtype " + dtype + " is not supported on the CPU: the CPU runs the transformer in fp32; use --dtype fp32 (the default "
                    + "there), --text-encoder-dtype bf16 to halve the text encoder's memory, or a GPU (--device cuda)");
        }
        GeneratorOptions o = GeneratorOptions.defaults().withDevice(d).withDtype(t);
        if (textEncoderDtype != null) o = o.withTextEncoderDtype(DType.parse(textEncoderDtype));
        return vaeDtype != null ? o.withVaeDtype(DType.parse(vaeDtype)) : o;
    }

    /** "cpu fp32" etc., for the command's opening line. */
    static String describe(GeneratorOptions o) {
        String te = o.textEncoderDtype() != null && o.textEncoderDtype() != o.dtype() ? ", text encoder " + name(o.textEncoderDtype()) : "";
        return o.device() + " " + name(o.dtype()) + te + ", VAE " + name(o.effectiveVaeDtype());
    }

    static String name(DType t) {
        return switch (t) { case F32 -> "fp32"; case BF16 -> "bf16"; case F16 -> "fp16"; default -> t.name().toLowerCase(java.util.Locale.ROOT); };
    }
}
