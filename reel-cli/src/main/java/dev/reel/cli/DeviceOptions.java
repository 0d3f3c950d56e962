package dev.reel.cli;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.pipeline.GeneratorOptions;
import picocli.CommandLine.Option;

/** {@code --device}, {@code --dtype} and {@code --text-encoder-dtype}, shared by the commands that load models. */
final class DeviceOptions {
    @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, cuda or cuda:N (default: cuda when available, else cpu)")
    String device;

    @Option(names = "--dtype", paramLabel = "DTYPE", description = "weights/compute dtype: fp32, bf16, fp16 (default: fp32 on cpu, bf16 on cuda)")
    String dtype;

    @Option(names = "--text-encoder-dtype", paramLabel = "DTYPE", description = "storage dtype of the text encoder's weights (default: as --dtype); bf16 halves UMT5-XXL's memory")
    String textEncoderDtype;

    /** The device asked for, or the best available. */
    Device device() {
        if (device != null) return Device.parse(device);
        return Backends.available(Device.Type.CUDA) ? Device.cuda(0) : Device.CPU;
    }

    /** Generator options for these flags. */
    GeneratorOptions generatorOptions() {
        Device d = device();
        DType t = dtype != null ? DType.parse(dtype) : d.type() == Device.Type.CPU ? DType.F32 : DType.BF16;
        GeneratorOptions o = GeneratorOptions.defaults().withDevice(d).withDtype(t);
        return textEncoderDtype != null ? o.withTextEncoderDtype(DType.parse(textEncoderDtype)) : o;
    }

    /** "cpu fp32" etc., for the command's opening line. */
    static String describe(GeneratorOptions o) {
        String te = o.textEncoderDtype() != null && o.textEncoderDtype() != o.dtype() ? ", text encoder " + name(o.textEncoderDtype()) : "";
        return o.device() + " " + name(o.dtype()) + te;
    }

    static String name(DType t) {
        return switch (t) { case F32 -> "fp32"; case BF16 -> "bf16"; case F16 -> "fp16"; default -> t.name().toLowerCase(java.util.Locale.ROOT); };
    }
}
