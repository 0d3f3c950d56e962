package dev.reel.train.optim;

import dev.reel.core.Tensor;
import java.util.List;
import java.util.Map;

/** Updates parameters from their gradients; its state (moments, step count) saves and restores exactly. */
public interface Optimizer {
    /**
     * One update with learning rate {@code lr}; {@code grads.get(i)} is the fp32 gradient of {@code params.get(i)}
     * (null: skip), to be taken times {@code gradScale} (global-norm clipping's coefficient; 1 leaves it as it is).
     * The gradients themselves are only read.
     */
    void step(List<TrainableParameter> params, List<Tensor> grads, float lr, float gradScale);

    /** The state tensors by key ({@code NAME.exp_avg}, …), for checkpoints. */
    Map<String, Tensor> state();

    /** Number of steps taken. */
    long steps();

    /** Restores the state written by {@link #state()} after {@code steps} steps. */
    void restore(Map<String, Tensor> state, long steps);
}
