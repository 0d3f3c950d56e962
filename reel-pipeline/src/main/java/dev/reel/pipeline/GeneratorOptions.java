package dev.reel.pipeline;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.core.SystemOptions;
import dev.reel.core.dist.ParallelPlan;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Load-time settings of a {@link VideoGenerator}, fixed at load.
 *
 * @param device           where the models run (rank 0's device under a parallel plan)
 * @param dtype            compute/storage dtype of the transformer (F32 on the CPU)
 * @param textEncoderDtype storage dtype of the text encoder's weights (null = {@code dtype}); BF16 halves the
 *                         memory of UMT5-XXL, computed per layer in {@code dtype}
 * @param vaeDtype         dtype of the VAE (null = F32, as Diffusers' Wan2.1 examples load it and FastVideo's
 *                         {@code vae_precision} defaults; BF16 decodes faster on a GPU at some cost in accuracy)
 * @param limits           the largest request accepted
 * @param system           the system parameters (attention backend, caches, library folders) read at the edge
 * @param parallel         how one generation is split over ranks (null or {@link ParallelPlan#SINGLE}: not at all)
 * @param devices          the device of each rank, {@code parallel.size()} of them, rank 0's = {@code device} (null:
 *                         {@code device} for every rank). On the CPU every rank is {@code cpu}: ranks are threads
 *                         sharing the weights
 */
public record GeneratorOptions(Device device, DType dtype, DType textEncoderDtype, DType vaeDtype, GenerationLimits limits,
                               SystemOptions system, ParallelPlan parallel, List<Device> devices) {
    public GeneratorOptions {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(system, "system");
        if (parallel == null) parallel = ParallelPlan.SINGLE;
        devices = devices == null || devices.isEmpty() ? Collections.nCopies(parallel.size(), device) : List.copyOf(devices);
        if (devices.size() != parallel.size()) {
            throw new ReelException("--parallel " + parallel + " runs " + parallel.size() + " ranks but " + devices.size() + " devices were given " + devices);
        }
        if (!devices.getFirst().equals(device)) throw new ReelException("rank 0 must run on the main device " + device + ", got " + devices);
    }

    /** One rank on {@code device}. */
    public GeneratorOptions(Device device, DType dtype, DType textEncoderDtype, DType vaeDtype, GenerationLimits limits, SystemOptions system) {
        this(device, dtype, textEncoderDtype, vaeDtype, limits, system, ParallelPlan.SINGLE, null);
    }

    /** CPU, fp32, the default limits and system options, one rank. */
    public static GeneratorOptions defaults() {
        return new GeneratorOptions(Device.CPU, DType.F32, null, null, GenerationLimits.defaults(), SystemOptions.defaults());
    }

    /** A copy on device {@code d}, one rank (the plan is dropped: use {@link #withParallel} for ranks). */
    public GeneratorOptions withDevice(Device d) { return new GeneratorOptions(d, dtype, textEncoderDtype, vaeDtype, limits, system); }
    public GeneratorOptions withDtype(DType t) { return new GeneratorOptions(device, t, textEncoderDtype, vaeDtype, limits, system, parallel, devices); }
    public GeneratorOptions withTextEncoderDtype(DType t) { return new GeneratorOptions(device, dtype, t, vaeDtype, limits, system, parallel, devices); }
    public GeneratorOptions withVaeDtype(DType t) { return new GeneratorOptions(device, dtype, textEncoderDtype, t, limits, system, parallel, devices); }
    public GeneratorOptions withLimits(GenerationLimits l) { return new GeneratorOptions(device, dtype, textEncoderDtype, vaeDtype, l, system, parallel, devices); }
    public GeneratorOptions withSystem(SystemOptions s) { return new GeneratorOptions(device, dtype, textEncoderDtype, vaeDtype, limits, s, parallel, devices); }

    /**
     * A copy running {@code plan} on {@code rankDevices} (one per rank; rank 0's becomes {@link #device}). For the CPU
     * give {@code plan.size()} times {@code cpu}.
     */
    public GeneratorOptions withParallel(ParallelPlan plan, List<Device> rankDevices) {
        return new GeneratorOptions(rankDevices.getFirst(), dtype, textEncoderDtype, vaeDtype, limits, system, plan, rankDevices);
    }

    /** The backend of {@link #device}. */
    public Backend backend() { return Backends.of(device, system); }

    /** The text encoder's storage dtype. */
    public DType effectiveTextEncoderDtype() { return textEncoderDtype != null ? textEncoderDtype : dtype; }

    /** The VAE's dtype. */
    public DType effectiveVaeDtype() { return vaeDtype != null ? vaeDtype : DType.F32; }
}
