package dev.reel.pipeline;

import dev.reel.core.ReelException;

/**
 * The largest request a generator accepts, set by whoever runs it (the CLI's defaults, {@code reel serve}'s
 * {@code --max-*} flags). The model's own bounds (the sizes its rotary tables cover) come from
 * {@link VideoGeometry}; {@code InputValidation} checks both before any compute.
 *
 * @param maxHeight      largest height in pixels
 * @param maxWidth       largest width in pixels
 * @param maxFrames      most frames
 * @param maxSteps       most denoising steps
 * @param maxPixelFrames largest width × height × frames
 */
public record GenerationLimits(int maxHeight, int maxWidth, int maxFrames, int maxSteps, long maxPixelFrames) {
    public GenerationLimits {
        if (maxHeight < 1 || maxWidth < 1) throw new ReelException("max side = " + Math.min(maxHeight, maxWidth) + ": must be at least 1");
        if (maxFrames < 1) throw new ReelException("max frames = " + maxFrames + ": must be at least 1");
        if (maxSteps < 1) throw new ReelException("max steps = " + maxSteps + ": must be at least 1");
        if (maxPixelFrames < 1) throw new ReelException("max pixel-frames = " + maxPixelFrames + ": must be at least 1");
    }

    /** 1280×1280, 241 frames, 200 steps, no bound on pixel-frames beyond those. */
    public static GenerationLimits defaults() { return new GenerationLimits(1280, 1280, 241, 200, Long.MAX_VALUE); }

    /** A copy with another side limit for both height and width. */
    public GenerationLimits withMaxSide(int side) { return new GenerationLimits(side, side, maxFrames, maxSteps, maxPixelFrames); }

    /** A copy with another step limit. */
    public GenerationLimits withMaxSteps(int steps) { return new GenerationLimits(maxHeight, maxWidth, maxFrames, steps, maxPixelFrames); }

    /** A copy with another pixel-frames limit. */
    public GenerationLimits withMaxPixelFrames(long pf) { return new GenerationLimits(maxHeight, maxWidth, maxFrames, maxSteps, pf); }
}
