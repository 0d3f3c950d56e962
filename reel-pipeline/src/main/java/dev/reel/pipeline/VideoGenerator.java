package dev.reel.pipeline;

import dev.reel.core.ReelException;
import dev.reel.pipeline.stages.InputValidation;
import java.nio.file.Path;

/**
 * Reel's Java API for text-to-video: load a Wan2.1 Diffusers pipeline folder once, then {@link #generate} as
 * often as needed (one generation at a time per instance).
 *
 * <pre>{@code
 * try (VideoGenerator gen = VideoGenerator.fromPretrained(Path.of("Wan2.1-T2V-1.3B-Diffusers"), GeneratorOptions.defaults())) {
 *     GenerationResult r = gen.generate(GenerationRequest.builder("a red fox in the snow").output(Path.of("fox.mp4")).build());
 * }
 * }</pre>
 */
public final class VideoGenerator implements AutoCloseable {
    private final GeneratorOptions options;

    private VideoGenerator(GeneratorOptions options) {
        this.options = options;
    }

    /** Loads the Diffusers pipeline folder {@code dir} (model_index.json and one folder per component). */
    public static VideoGenerator fromPretrained(Path dir, GeneratorOptions options) {
        throw new ReelException("loading pipelines is not wired yet (" + dir + ")");
    }

    /** A tiny Wan2.1 pipeline with seeded random weights, for demos and smoke tests (its video is noise). */
    public static VideoGenerator demo(GeneratorOptions options) {
        throw new ReelException("the demo pipeline is not wired yet");
    }

    /** The options the generator was loaded with. */
    public GeneratorOptions options() { return options; }

    /** Checks {@code request} without running anything; throws {@link InvalidRequestException} on a broken rule. */
    public void validate(GenerationRequest request) { InputValidation.check(request, options); }

    /** Runs one generation. */
    public GenerationResult generate(GenerationRequest request) {
        return generate(request, ProgressListener.NONE, new CancellationToken());
    }

    /**
     * Runs one generation, reporting each denoising step to {@code progress} and stopping with
     * {@link GenerationCancelledException} between steps once {@code cancellation} is cancelled.
     */
    public GenerationResult generate(GenerationRequest request, ProgressListener progress, CancellationToken cancellation) {
        validate(request);
        throw new ReelException("generation is not wired yet");
    }

    @Override public void close() {}
}
