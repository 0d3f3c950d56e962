package dev.reel.server.engine;

import dev.reel.pipeline.CancellationToken;
import dev.reel.pipeline.GenerationCancelledException;
import dev.reel.pipeline.GenerationResult;
import dev.reel.pipeline.OutputFormat;
import dev.reel.pipeline.ProgressListener;
import dev.reel.pipeline.StageTiming;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.pipeline.media.PngWriter;
import java.nio.file.Path;
import java.time.Duration;

/** A {@link VideoEngine} over one loaded {@link VideoGenerator}. */
final class PipelineEngine implements VideoEngine {
    private final VideoGenerator generator;

    PipelineEngine(VideoGenerator generator) { this.generator = generator; }

    @Override public Rendered render(VideoSpec spec, Path video, Path thumbnail, RenderMonitor monitor) {
        var request = PipelineModel.request(spec).output(video).outputFormat(OutputFormat.MP4).build();
        CancellationToken token = new CancellationToken();
        if (monitor.stopRequested()) token.cancel();
        ProgressListener progress = new ProgressListener() {
            private Duration last = Duration.ZERO;

            @Override public void onStep(int step, int total, Duration elapsed) {
                monitor.step(step, total, elapsed.minus(last));
                last = elapsed;
                // the pipeline checks the token before the next step: a stop takes effect right here
                if (monitor.stopRequested()) token.cancel();
            }

            @Override public void onStage(String stage) {
                if (monitor.stopRequested()) token.cancel();
            }
        };
        GenerationResult result;
        try {
            result = generator.generate(request, progress, token);
        } catch (GenerationCancelledException e) {
            throw new RenderCancelledException(e.getMessage());
        }
        for (StageTiming t : result.timings()) monitor.stage(t.stage(), t.duration());
        new PngWriter().writeFrame(result.frames(), 0, thumbnail);
        return new Rendered(result.total(), result.cache());
    }

    @Override public void close() { generator.close(); }
}
