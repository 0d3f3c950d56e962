package dev.reel.pipeline;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.core.dist.ParallelPlan;
import java.util.Collections;
import java.util.List;

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
 * @param parallel        how one generation is split over ranks ({@link ParallelPlan#SINGLE}: not at all)
 * @param devices         the device of each rank, {@code parallel.size()} of them; rank 0's is {@code device}. On
 *                        the CPU every rank is {@code cpu} (ranks are threads sharing the weights)
 */
public record GeneratorOptions(Device device, DType dtype, DType textEncoderDtype, DType vaeDtype,
                               int maxHeight, int maxWidth, int maxFrames, int maxSteps,
                               ParallelPlan parallel, List<Device> devices) {

    public GeneratorOptions {
        if (parallel == null) parallel = ParallelPlan.SINGLE;
        devices = devices == null || devices.isEmpty() ? Collections.nCopies(parallel.size(), device) : List.copyOf(devices);
        if (devices.size() != parallel.size()) {
            throw new ReelException("--parallel " + parallel + " runs " + parallel.size() + " ranks but " + devices.size() + " devices were given " + devices);
        }
        if (!devices.getFirst().equals(device)) throw new ReelException("rank 0 must run on the main device " + device + ", got " + devices);
    }

    /** CPU, fp32, limits 1280×1280, 241 frames, 200 steps, one rank. */
    public static GeneratorOptions defaults() {
        return new GeneratorOptions(Device.CPU, DType.F32, null, null, 1280, 1280, 241, 200, ParallelPlan.SINGLE, List.of(Device.CPU));
    }

    /**
     * A copy running {@code plan} on {@code rankDevices} (one per rank; rank 0's becomes {@link #device}). For the CPU
     * give {@code plan.size()} times {@code cpu}.
     */
    public GeneratorOptions withParallel(ParallelPlan plan, List<Device> rankDevices) {
        return new GeneratorOptions(rankDevices.getFirst(), dtype, textEncoderDtype, vaeDtype, maxHeight, maxWidth, maxFrames, maxSteps, plan, rankDevices);
    }

    /** A copy on device {@code d}, one rank (the plan is dropped: use {@link #withParallel} for ranks). */
    public GeneratorOptions withDevice(Device d) { return new GeneratorOptions(d, dtype, textEncoderDtype, vaeDtype, maxHeight, maxWidth, maxFrames, maxSteps, ParallelPlan.SINGLE, List.of(d)); }
    public GeneratorOptions withDtype(DType t) { return new GeneratorOptions(device, t, textEncoderDtype, vaeDtype, maxHeight, maxWidth, maxFrames, maxSteps, parallel, devices); }
    public GeneratorOptions withTextEncoderDtype(DType t) { return new GeneratorOptions(device, dtype, t, vaeDtype, maxHeight, maxWidth, maxFrames, maxSteps, parallel, devices); }
    public GeneratorOptions withLimits(int maxH, int maxW, int maxT, int maxS) { return new GeneratorOptions(device, dtype, textEncoderDtype, vaeDtype, maxH, maxW, maxT, maxS, parallel, devices); }

    public GeneratorOptions withVaeDtype(DType t) { return new GeneratorOptions(device, dtype, textEncoderDtype, t, maxHeight, maxWidth, maxFrames, maxSteps, parallel, devices); }

    /** The backend of {@link #device}. */
    public Backend backend() { return Backends.of(device); }

    /** The text encoder's storage dtype. */
    public DType effectiveTextEncoderDtype() { return textEncoderDtype != null ? textEncoderDtype : dtype; }

    /** The VAE's dtype. */
    public DType effectiveVaeDtype() { return vaeDtype != null ? vaeDtype : DType.F32; }
}
