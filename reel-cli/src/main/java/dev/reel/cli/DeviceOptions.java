package dev.reel.cli;

import dev.reel.core.AttentionBackend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.MemoryLevel;
import dev.reel.core.ReelException;
import dev.reel.core.SystemOptions;
import dev.reel.pipeline.GeneratorOptions;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --device}, {@code --dtype}, {@code --text-encoder-dtype}, {@code --vae-dtype} and the system parameters
 * ({@code --attention}, {@code --convolution}, {@code --cache-dir}, {@code --library-path}, {@code --memory-level}), shared by the commands
 * that load models: the edge where these settings are read, once, into {@link GeneratorOptions} and
 * {@link SystemOptions} that are passed down.
 */
final class DeviceOptions {
    /** The GPU convolution paths {@link SystemOptions#convolution()} allows. */
    static final List<String> CONVOLUTIONS = List.of("auto", "im2col");
    @Option(names = "--device", paramLabel = "DEVICE", description = "cpu, cuda or cuda:N (default: cuda when available, else cpu)")
    String device;

    @Option(names = "--dtype", paramLabel = "DTYPE", description = "weights/compute dtype: fp32, bf16, fp16 (default: fp32 on cpu, bf16 on cuda)")
    String dtype;

    @Option(names = "--text-encoder-dtype", paramLabel = "DTYPE", description = "storage dtype of the text encoder's weights (default: as --dtype); bf16 halves UMT5-XXL's memory")
    String textEncoderDtype;

    @Option(names = "--vae-dtype", paramLabel = "DTYPE", description = "dtype of the VAE: fp32 (default, as Diffusers' Wan2.1 examples and FastVideo run it), bf16 or fp16 (faster on a GPU)")
    String vaeDtype;

    @Option(names = "--attention", paramLabel = "BACKEND", description = "attention implementation: auto (default), sdpa (cuDNN on a GPU) or flash (Reel's own kernel)")
    String attention;

    @Option(names = "--convolution", paramLabel = "PATH", description = "GPU convolution path: auto (default: cuDNN where it can, im2col otherwise) or im2col (diagnostics)")
    String convolution;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "where compiled kernels and other caches live (default: ~/.cache/reel)")
    Path cacheDir;

    @Option(names = "--memory-level", paramLabel = "N", description = "what stays in GPU memory: 0 everything (default); 1 the text encoder in host memory between encodings; "
            + "2 also the VAE, which decodes in tiles; 3 also the transformer's blocks, streamed from pinned host memory block by block")
    Integer memoryLevel;

    @Option(names = "--library-path", paramLabel = "DIRS", split = ":", description = "extra folders (':'-separated) searched for CUDA, cuDNN and NCCL before the system's")
    List<Path> libraryPath;

    /** The system parameters of these flags (the defaults where a flag is absent). */
    SystemOptions systemOptions() {
        SystemOptions d = SystemOptions.defaults();
        if (convolution != null && !CONVOLUTIONS.contains(convolution)) {
            throw new ReelException("--convolution '" + convolution + "' is not known; allowed: " + String.join(", ", CONVOLUTIONS));
        }
        SystemOptions o = new SystemOptions(attention != null ? AttentionBackend.parse(attention) : d.attention(),
                convolution != null ? convolution : d.convolution(), cacheDir != null ? cacheDir : d.cacheDir(),
                libraryPath != null ? libraryPath : d.libraryPath(), memoryLevel != null ? memoryLevel(memoryLevel) : d.memoryLevel());
        Djl.configure(o);
        return o;
    }

    private static MemoryLevel memoryLevel(int n) {
        try {
            return MemoryLevel.of(n);
        } catch (ReelException e) {
            throw new ReelException("--memory-level: " + e.getMessage(), e);
        }
    }

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
        if (d.type() == Device.Type.CPU && t != DType.F32) {
            // refused before anything loads: the CPU backend computes in fp32 and has no 16-bit transformer path
            throw new ReelException("--dtype " + dtype + " is not supported on the CPU: the CPU runs the transformer in fp32; use --dtype fp32 (the default "
                    + "there), --text-encoder-dtype bf16 to halve the text encoder's memory, or a GPU (--device cuda)");
        }
        if (d.type() == Device.Type.CPU && vaeDtype != null && DType.parse(vaeDtype) != DType.F32) {
            // likewise: the CPU's VAE has no 16-bit path (its first op would fail after the whole denoising loop)
            throw new ReelException("--vae-dtype " + vaeDtype + " is not supported on the CPU: the CPU decodes in fp32; use --vae-dtype fp32 (the default) "
                    + "or a GPU (--device cuda)");
        }
        GeneratorOptions o = GeneratorOptions.defaults().withDevice(d).withDtype(t).withSystem(systemOptions());
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
