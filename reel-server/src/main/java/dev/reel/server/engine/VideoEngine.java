package dev.reel.server.engine;

import java.nio.file.Path;
import java.time.Duration;

/**
 * One loaded model on one device: what a worker renders jobs with. Not thread-safe; each worker owns one.
 */
public interface VideoEngine extends AutoCloseable {
    /**
     * Renders {@code spec}: writes the MP4 to {@code video} and a PNG of the first frame to {@code thumbnail}
     * (each appears complete or not at all), reporting to {@code monitor}.
     *
     * @throws RenderCancelledException when {@link RenderMonitor#stopRequested()} turned true before the end
     */
    Rendered render(VideoSpec spec, Path video, Path thumbnail, RenderMonitor monitor);

    /** Frees the model's memory. */
    @Override void close();

    /**
     * What a render reports.
     *
     * @param inference time spent generating (stages summed)
     * @param cache     transformer passes run and skipped by the step cache
     */
    record Rendered(Duration inference, dev.reel.pipeline.cache.CacheStats cache) {}

    /** Receives progress from a render, on the rendering thread; also asked whether to stop. */
    interface RenderMonitor {
        /** A pipeline stage finished after {@code took}. */
        void stage(String name, Duration took);

        /** Denoising step {@code step} of {@code total} finished; the step itself took {@code took}. */
        void step(int step, int total, Duration took);

        /** Whether the render should stop at the next step boundary. */
        boolean stopRequested();
    }

    /** A render stopped because {@link RenderMonitor#stopRequested()} said so. */
    final class RenderCancelledException extends RuntimeException {
        public RenderCancelledException(String message) { super(message); }
    }
}
