package dev.reel.pipeline.stages;

import dev.reel.models.nn.Offloaded;
import dev.reel.models.wan.WanTransformer3DModel;
import java.util.function.Supplier;

/**
 * The transformers that denoise, and which one runs at a timestep. Wan2.1 and Wan2.2 TI2V have one; Wan2.2 A14B
 * has two experts (Diffusers' {@code transformer} for high noise and {@code transformer_2} for low noise): a step
 * at timestep t runs {@code transformer} with the request's guidance when {@code t ≥ boundary_ratio ·
 * num_train_timesteps}, else {@code transformer_2} with its second guidance scale, as {@code WanPipeline}.
 * Each expert has a residency ({@link Offloaded}): when the other expert is parked on the host, the expert of a
 * run of steps is uploaded once for the run and dropped after it, so only one is on the device at a time.
 */
public final class DenoisingExperts {
    /** The expert that denoises high noise levels (or the only one). */
    public static final int HIGH = 0;
    /** The low-noise expert. */
    public static final int LOW = 1;

    private final WanTransformer3DModel high, low;
    private final Offloaded highResidency, lowResidency;
    private final Double boundaryRatio;

    private DenoisingExperts(WanTransformer3DModel high, Offloaded highResidency, WanTransformer3DModel low, Offloaded lowResidency, Double boundaryRatio) {
        this.high = high;
        this.low = low;
        this.highResidency = highResidency;
        this.lowResidency = lowResidency;
        this.boundaryRatio = boundaryRatio;
    }

    /** One transformer, always resident. */
    public static DenoisingExperts single(WanTransformer3DModel transformer) {
        return new DenoisingExperts(transformer, Offloaded.of(transformer, false), null, null, null);
    }

    /**
     * Two experts switched at {@code boundaryRatio}; with {@code park} (on a device other than the CPU) their
     * weights move to host memory now and each is on the device only while its steps run.
     */
    public static DenoisingExperts two(WanTransformer3DModel high, WanTransformer3DModel low, double boundaryRatio, boolean park) {
        return new DenoisingExperts(high, Offloaded.of(high, park), low, Offloaded.of(low, park), boundaryRatio);
    }

    /** True for Wan2.2 A14B's pair. */
    public boolean isPair() { return low != null; }

    /** The expert for a step at {@code timestep} of a schedule trained on {@code numTrainTimesteps}: {@link #HIGH} or {@link #LOW}. */
    public int at(double timestep, int numTrainTimesteps) {
        return low == null || timestep >= boundaryRatio * numTrainTimesteps ? HIGH : LOW;
    }

    /** The model of expert {@code e}. */
    public WanTransformer3DModel model(int e) { return e == HIGH ? high : low; }

    /** Runs {@code body} with expert {@code e}'s weights on its device. */
    public <T> T use(int e, Supplier<T> body) { return (e == HIGH ? highResidency : lowResidency).use(body); }
}
