package dev.reel.cli;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
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
    GeneratorOptions generatorOptions() { return generatorOptions(device()); }

    /** Generator options for these flags on device {@code d} (rank 0's, when a parallel plan picks the devices). */
    GeneratorOptions generatorOptions(Device d) {
        DType t = dtype != null ? DType.parse(dtype) : d.type() == Device.Type.CPU ? DType.F32 : DType.BF16;
        GeneratorOptions o = GeneratorOptions.defaults().withDevice(d).withDtype(t);
        if (textEncoderDtype != null) o = o.withTextEncoderDtype(DType.parse(textEncoderDtype));
        return vaeDtype != null ? o.withVaeDtype(DType.parse(vaeDtype)) : o;
    }

    /** "cpu fp32" etc., for the command's opening line. */
    static String describe(GeneratorOptions o) {
        String te = o.textEncoderDtype() != null && o.textEncoderDtype() != o.dtype() ? ", text encoder " + name(o.textEncoderDtype()) : "";
        String ranks = !o.parallel().isParallel() ? ""
                : ", parallel " + o.parallel() + " over " + o.devices() + (o.device().type() == Device.Type.CPU ? " (ranks as threads)" : "")
                + "; text encoder and VAE decode on rank 0";
        return o.device() + " " + name(o.dtype()) + te + ", VAE " + name(o.effectiveVaeDtype()) + ranks;
    }

    static String name(DType t) {
        return switch (t) { case F32 -> "fp32"; case BF16 -> "bf16"; case F16 -> "fp16"; default -> t.name().toLowerCase(java.util.Locale.ROOT); };
    }
}
