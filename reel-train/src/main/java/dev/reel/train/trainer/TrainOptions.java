package dev.reel.train.trainer;

import dev.reel.core.ReelException;
import dev.reel.train.optim.LrSchedule;

/**
 * The settings of one training run, read at the edge (CLI) and passed down.
 *
 * @param steps            optimizer steps in all (a resumed run continues to this)
 * @param schedule         learning rate per step
 * @param weightDecay      AdamW's decoupled weight decay
 * @param maxGradNorm      global-norm clipping threshold ({@code <= 0}: off)
 * @param checkpointing    per-block activation checkpointing
 * @param seed             seeds noise, σ and text dropout, per step
 * @param sigmas           how σ is drawn
 * @param textDropout      probability of training an element on the empty prompt (for CFG)
 * @param emaDecay         EMA of the weights ({@code 0}: off)
 * @param checkpointEvery  save a resumable checkpoint every N steps ({@code 0}: only at the end)
 * @param fixedNoise       the same noise, σ and dropout every step (overfitting one batch in tests)
 */
public record TrainOptions(int steps, LrSchedule schedule, float weightDecay, float maxGradNorm, boolean checkpointing,
                           long seed, SigmaSampling sigmas, float textDropout, float emaDecay, int checkpointEvery,
                           boolean fixedNoise) {
    public TrainOptions {
        if (steps <= 0) throw new ReelException("--steps must be > 0, got " + steps);
        if (textDropout < 0 || textDropout > 1) throw new ReelException("--text-dropout must be in [0, 1], got " + textDropout);
        if (emaDecay < 0 || emaDecay >= 1) throw new ReelException("--ema-decay must be in [0, 1), got " + emaDecay);
        if (checkpointEvery < 0) throw new ReelException("--checkpoint-every must be >= 0, got " + checkpointEvery);
    }
}
