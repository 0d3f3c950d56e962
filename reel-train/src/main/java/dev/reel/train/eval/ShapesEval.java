package dev.reel.train.eval;

import dev.reel.pipeline.Frames;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GenerationResult;
import dev.reel.pipeline.VideoGenerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * {@code reel eval demo}: generates every prompt of an {@link EvalPrompts} set with a model (its default size and
 * frames, the prompt's seed) and judges each video with {@link ShapeJudge}.
 *
 * @param generator the model
 * @param request   changes to each prompt's request after the model's defaults and the seed (e.g. the steps)
 * @param videos    folder the MP4s are written into ({@code NN.mp4}), or null for none
 */
public record ShapesEval(VideoGenerator generator, UnaryOperator<GenerationRequest.Builder> request, Path videos) {
    /**
     * What one prompt gave, for the caller's progress line and frame strip.
     *
     * @param row    the report's row
     * @param frames the generated video
     */
    public record Outcome(EvalReport.Row row, Frames frames) {}

    /** The request for {@code p}: the model's defaults, the prompt's seed, then {@link #request}'s changes. */
    public GenerationRequest requestFor(EvalPrompts.Prompt p) {
        GenerationRequest.Builder b = request.apply(generator.requestBuilder(p.prompt()).seed(p.seed()));
        return b.output(videos == null ? null : videos.resolve(videoName(p))).build();
    }

    /** Runs every prompt in order, telling {@code each} about every outcome; returns the report. */
    public EvalReport run(List<EvalPrompts.Prompt> prompts, long seed, Consumer<Outcome> each) {
        List<EvalReport.Row> rows = new ArrayList<>();
        int steps = 0;
        for (EvalPrompts.Prompt p : prompts) {
            GenerationRequest r = requestFor(p);
            steps = r.numInferenceSteps();
            GenerationResult g = generator.generate(r);
            EvalReport.Row row = new EvalReport.Row(p, ShapeJudge.judge(g.frames()), videos == null ? null : videos.getFileName() + "/" + videoName(p));
            rows.add(row);
            each.accept(new Outcome(row, g.frames()));
        }
        return new EvalReport(generator.description(), seed, steps, rows);
    }

    private static String videoName(EvalPrompts.Prompt p) { return String.format("%02d.mp4", p.index()); }
}
