package dev.reel.cli;

import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.VideoGenerator;
import picocli.CommandLine.Option;

/** The request of a measuring command ({@code calibrate}, {@code bench cache}): prompt, size, steps, guidance, seed. */
final class SampleOptions {
    @Option(names = "--prompt", required = true, description = "what the video shows") String prompt;
    @Option(names = "--negative-prompt", description = "what to steer away from (default: none)") String negativePrompt;
    @Option(names = "--height", description = "frame height, a multiple of 16 (default: the model's)") Integer height;
    @Option(names = "--width", description = "frame width, a multiple of 16 (default: the model's)") Integer width;
    @Option(names = "--frames", description = "number of frames, 4k+1 (default: the model's)") Integer frames;
    @Option(names = "--steps", description = "denoising steps (default: the model's)") Integer steps;
    @Option(names = "--guidance", description = "classifier-free guidance scale (default 5.0)") Double guidance;
    @Option(names = "--seed", defaultValue = "0", description = "noise seed (default ${DEFAULT-VALUE})") long seed;
    @Option(names = "--max-sequence-length", description = "text tokens (default: the model's)") Integer maxSequenceLength;

    /** A request of {@code gen}'s defaults with these values. */
    GenerationRequest.Builder builder(VideoGenerator gen) {
        GenerationRequest.Builder b = gen.requestBuilder(prompt).seed(seed);
        if (negativePrompt != null) b.negativePrompt(negativePrompt);
        if (height != null) b.height(height);
        if (width != null) b.width(width);
        if (frames != null) b.numFrames(frames);
        if (steps != null) b.numInferenceSteps(steps);
        if (guidance != null) b.guidanceScale(guidance);
        if (maxSequenceLength != null) b.maxSequenceLength(maxSequenceLength);
        return b;
    }
}
