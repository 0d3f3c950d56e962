package dev.reel.train.eval;

import dev.reel.core.ReelException;
import dev.reel.pipeline.Frames;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GenerationResult;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.pipeline.cache.CacheStats;
import dev.reel.pipeline.metrics.VideoMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Step caches under the demo judge (issue 13): every prompt of an {@link EvalPrompts} set is generated uncached and then
 * with each cache policy, from the same seed. Per policy: the judge's accuracy against the prompts, how many of its
 * verdicts differ from the uncached video's, the transformer passes run and skipped, the denoising loop's time, and
 * PSNR/SSIM against the uncached video on 8-bit frames, pooled over every frame of every prompt (PSNR from the mean
 * squared error, as {@link VideoMetrics} does for one video).
 */
public final class CacheEval {
    /** The uncached reference, always the first policy. */
    public static final String NONE = "none";

    private CacheEval() {}

    /**
     * One policy over all prompts.
     *
     * @param cache           the policy as the request parsed it
     * @param report          the judge's report of its videos
     * @param stats           passes and attention calls, summed over the prompts
     * @param denoiseSeconds  the denoising stage's time, summed over the prompts
     * @param psnrRgb         PSNR against the uncached videos, RGB (dB; infinite when identical)
     * @param psnrLuma        the same on luma
     * @param ssimRgb         mean SSIM against the uncached videos, RGB
     * @param ssimLuma        the same on luma
     * @param verdictsChanged object, background and motion verdicts that differ from the uncached video's (of 3 per prompt)
     */
    public record Policy(String cache, EvalReport report, CacheStats stats, double denoiseSeconds, double psnrRgb, double psnrLuma,
                         double ssimRgb, double ssimLuma, int verdictsChanged) {}

    /**
     * Runs {@code prompts} uncached and under each of {@code caches} ({@value #NONE} among them is not repeated). Each
     * request is the model's defaults, the prompt's seed, then {@code changes}; {@code progress} gets a line per video.
     */
    public static List<Policy> run(VideoGenerator generator, UnaryOperator<GenerationRequest.Builder> changes, List<String> caches,
                                   List<EvalPrompts.Prompt> prompts, long seed, Consumer<String> progress) {
        List<String> policies = new ArrayList<>(List.of(NONE));
        for (String c : caches) if (!c.equals(NONE)) policies.add(c);
        List<Tally> tallies = policies.stream().map(p -> new Tally()).toList();
        int steps = 0;
        for (EvalPrompts.Prompt p : prompts) {
            Frames reference = null;
            EvalReport.Row referenceRow = null;
            for (int i = 0; i < policies.size(); i++) {
                String policy = policies.get(i);
                GenerationRequest r = ShapesEval.requestFor(generator, b -> changes.apply(b).cache(policy), null, p);
                steps = r.numInferenceSteps();
                GenerationResult g = generator.generate(r);
                Frames frames = g.frames().eightBit();
                EvalReport.Row row = new EvalReport.Row(p, ShapeJudge.judge(frames), null);
                if (reference == null) { reference = frames; referenceRow = row; }
                Tally t = tallies.get(i);
                t.cache = r.cache().toString();
                t.add(row, g, VideoMetrics.compare(reference, frames), changed(referenceRow, row));
                progress.accept(String.format(Locale.ROOT, "[%d/%d] %-24s %s: object %s, background %s, motion %s", p.index() + 1, prompts.size(), t.cache,
                        p.prompt(), EvalReport.word(row.seen().object()), row.seen().background().word(), row.seen().motion() == null ? "none" : row.seen().motion().word()));
            }
        }
        List<Policy> out = new ArrayList<>();
        for (Tally t : tallies) out.add(t.policy(generator.description() + (t.cache.equals(NONE) ? "" : ", cache " + t.cache), seed, steps));
        return out;
    }

    /** The policies as a Markdown table, speed-up against the first (uncached) one. */
    public static String markdown(List<Policy> policies) {
        double base = policies.getFirst().denoiseSeconds();
        int prompts = policies.getFirst().report().rows().size();
        StringBuilder s = new StringBuilder();
        s.append("| cache | passes run / skipped | attention reused | denoising (s) | speed-up | PSNR RGB / Y (dB) | SSIM RGB / Y ")
                .append("| held out: object / background / motion | seen: object / background / motion | verdicts unlike uncached |\n");
        s.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Policy p : policies) {
            CacheStats c = p.stats();
            int calls = c.attentionComputed() + c.attentionReused();
            s.append(String.format(Locale.ROOT, "| `%s` | %d / %d | %s | %.1f | %.2f× | %s / %s | %.4f / %.4f | %s | %s | %d of %d |%n", p.cache(),
                    c.passesRun(), c.passesSkipped(), c.attentionReused() == 0 ? "0" : c.attentionReused() + " of " + calls, p.denoiseSeconds(),
                    base / p.denoiseSeconds(), db(p.psnrRgb()), db(p.psnrLuma()), p.ssimRgb(), p.ssimLuma(), percent(p.report().heldOut()),
                    percent(p.report().seenCombinations()), p.verdictsChanged(), 3 * prompts));
        }
        return s.toString();
    }

    /** Writes the uncached policy's {@code report.json} and {@code report.md}, and {@code caches.md}, into {@code dir}. */
    public static void write(Path dir, List<Policy> policies) {
        EvalReport reference = policies.getFirst().report();
        reference.write(dir);
        String text = "# Step caches under the demo judge\n\nModel: " + reference.model() + "; " + reference.rows().size() + " prompts, seed "
                + reference.seed() + ", " + reference.steps() + " steps.\n\n" + markdown(policies);
        try {
            EvalReport.writeAtomically(dir.resolve("caches.md"), text);
        } catch (IOException e) {
            throw new ReelException("cannot write the cache table to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static int changed(EvalReport.Row a, EvalReport.Row b) {
        return (a.seen().object() != b.seen().object() ? 1 : 0) + (a.seen().background() != b.seen().background() ? 1 : 0)
                + (a.seen().motion() != b.seen().motion() ? 1 : 0);
    }

    private static String percent(EvalReport.Accuracy a) {
        return String.format(Locale.ROOT, "%.0f / %.0f / %.0f %%", 100 * a.object(), 100 * a.background(), 100 * a.motion());
    }

    private static String db(double v) { return Double.isInfinite(v) ? "∞" : String.format(Locale.ROOT, "%.2f", v); }

    /** One policy's sums over the prompts. */
    private static final class Tally {
        String cache;
        final List<EvalReport.Row> rows = new ArrayList<>();
        int run, skipped, computed, reused, changed, frames;
        double seconds, mseRgb, mseLuma, ssimRgb, ssimLuma;

        void add(EvalReport.Row row, GenerationResult g, VideoMetrics.Comparison q, int verdictsChanged) {
            rows.add(row);
            run += g.cache().passesRun();
            skipped += g.cache().passesSkipped();
            computed += g.cache().attentionComputed();
            reused += g.cache().attentionReused();
            seconds += g.stageSeconds("Denoising");
            changed += verdictsChanged;
            for (int t = 0; t < q.frames(); t++) {
                mseRgb += mse(q.psnrRgb()[t]);
                mseLuma += mse(q.psnrLuma()[t]);
                ssimRgb += q.ssimRgb()[t];
                ssimLuma += q.ssimLuma()[t];
            }
            frames += q.frames();
        }

        Policy policy(String description, long seed, int steps) {
            return new Policy(cache, new EvalReport(description, seed, steps, rows), new CacheStats(cache, run, skipped, computed, reused), seconds,
                    psnr(mseRgb / frames), psnr(mseLuma / frames), ssimRgb / frames, ssimLuma / frames, changed);
        }

        /** The mean squared error (values in [0, 1]) a PSNR stands for. */
        private static double mse(double psnr) { return Double.isInfinite(psnr) ? 0 : Math.pow(10, -psnr / 10); }

        private static double psnr(double mse) { return mse == 0 ? Double.POSITIVE_INFINITY : -10 * Math.log10(mse); }
    }
}
