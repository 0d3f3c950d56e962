package dev.reel.server.engine;

import dev.reel.core.Device;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.ModelTask;
import dev.reel.pipeline.VideoGeometry;
import java.util.List;

/** The served model: its id, its defaults and rules for requests, and how to load it onto a device. */
public interface VideoModel {
    /** The id clients name in {@code model} and {@code GET /v1/models} lists. */
    String id();

    /**
     * The model's recommended request (size, frames, steps, guidance, fps, negative prompt): what a request that
     * leaves a field out gets, and what the web page shows. The same defaults the CLI and the Java API use.
     */
    GenerationRequest defaults();

    /** Prompts the model knows, for the web page to suggest (its profile's {@code example_prompts}); may be empty. */
    default List<String> examplePrompts() { return List.of(); }

    /** Whether the weights are random numbers (the demo), so videos show noise: the page says so. */
    default boolean randomWeights() { return false; }

    /** What it generates from what (text; a first frame as {@code input_reference}; a last frame too). */
    default ModelTask task() { return ModelTask.T2V; }

    /** The model's geometry: its frame rule and size multiples, known before its weights are loaded. */
    VideoGeometry geometry();

    /**
     * Checks {@code spec} against the model's own rules, without any compute.
     *
     * @throws SpecRejectedException naming the API field and the rule it broke
     */
    void validate(VideoSpec spec);

    /**
     * Loads one engine onto a worker group's devices (slow: reads the weights); several devices run each
     * generation split over them, rank 0 on the first.
     */
    VideoEngine load(List<Device> devices);

    /**
     * A request broke a model rule or exceeded a configured limit; {@code param} is the API field's name (e.g.
     * {@code nvext.num_frames}).
     */
    final class SpecRejectedException extends RuntimeException {
        private final String param;
        private final boolean limit;

        public SpecRejectedException(String param, String message, boolean limit) {
            super(message);
            this.param = param;
            this.limit = limit;
        }

        public String param() { return param; }

        /** True for a configured limit (HTTP 400 {@code limit_exceeded}) rather than a broken rule. */
        public boolean limit() { return limit; }
    }
}
