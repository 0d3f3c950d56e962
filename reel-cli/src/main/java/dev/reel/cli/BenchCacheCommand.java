package dev.reel.cli;

import dev.reel.pipeline.Frames;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GenerationResult;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.ProgressListener;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.pipeline.cache.CacheStats;
import dev.reel.pipeline.metrics.VideoMetrics;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code reel bench cache}: one model loaded once, the same request (same seed) run uncached and then with each
 * cache policy; a table of transformer passes, denoising-loop wall time, speed-up and PSNR/SSIM against the uncached
 * video (8-bit frames, before encoding). A policy that skips nothing (threshold 0, PAB range 1) measures the
 * cache's own overhead.
 */
@Command(name = "cache", sortOptions = false, description = {"Time and score step caches against the uncached video of the same seed.",
        "Prints a Markdown table; --cache may be repeated (none is always run first)."})
final class BenchCacheCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Mixin ModelOptions modelOptions;
    @Mixin SampleOptions sample;
    @Option(names = "--cache", required = true, paramLabel = "POLICY", description = "a policy to measure, e.g. teacache:0.08 (repeat for more)")
    List<String> caches;
    @Option(names = "--warmup-steps", defaultValue = "2", description = "steps of an untimed uncached run first (JIT, kernel compilation); 0 for none (default ${DEFAULT-VALUE})",
            paramLabel = "N")
    int warmupSteps;
    @Option(names = "--runs", defaultValue = "1", description = "timed runs per policy; the fastest is reported (default ${DEFAULT-VALUE})")
    int runs;
    @Option(names = "--output-dir", paramLabel = "DIR", description = "also write each video as DIR/<n>.mp4 (for reel compare)")
    Path outputDir;
    @Mixin DeviceOptions device;

    private record Row(String cache, CacheStats stats, double denoiseS, VideoMetrics.Comparison quality, boolean identical) {}

    @Override public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        GeneratorOptions options = device.generatorOptions();
        try (VideoGenerator gen = modelOptions.open(options, spec.commandLine())) {
            out.printf("model: %s%ndevice: %s%n", gen.description(), DeviceOptions.describe(options));
            List<String> policies = new ArrayList<>();
            policies.add("none");
            for (String c : caches) if (!c.equals("none")) policies.add(c);
            List<GenerationRequest> requests = new ArrayList<>();
            if (outputDir != null) Files.createDirectories(outputDir);
            try {
                for (int i = 0; i < policies.size(); i++) {
                    GenerationRequest.Builder b = sample.builder(gen).cache(policies.get(i));
                    if (outputDir != null) b.output(outputDir.resolve(i + ".mp4"));
                    GenerationRequest r = b.build();
                    gen.validate(r);
                    requests.add(r);
                }
            } catch (InvalidRequestException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "invalid --cache: " + e.getMessage());
            }
            GenerationRequest first = requests.getFirst();
            out.printf("%d frames of %dx%d, %d steps, guidance %.2f, seed %d%n", first.numFrames(), first.width(), first.height(),
                    first.numInferenceSteps(), first.guidanceScale(), first.seed());
            if (warmupSteps > 0) gen.generate(first.toBuilder().numInferenceSteps(warmupSteps).output(null).build());
            List<Row> rows = new ArrayList<>();
            Frames reference = null;
            float[] referenceRgb = null;
            if (runs < 1) throw new CommandLine.ParameterException(spec.commandLine(), "invalid --runs: " + runs + " (must be ≥ 1)");
            for (GenerationRequest r : requests) {
                GenerationResult g = null;
                double best = Double.POSITIVE_INFINITY;
                for (int k = 0; k < runs; k++) {
                    g = gen.generate(r, ProgressListener.NONE, new dev.reel.pipeline.CancellationToken());
                    best = Math.min(best, g.stageSeconds("Denoising"));
                }
                Frames frames = g.frames().eightBit();
                if (reference == null) { reference = frames; referenceRgb = g.frames().rgb(); }
                Row row = new Row(r.cache().toString(), g.cache(), best, VideoMetrics.compare(reference, frames),
                        java.util.Arrays.equals(referenceRgb, g.frames().rgb()));
                rows.add(row);
                out.printf("  %-40s denoising %.3f s, passes %d run / %d skipped, attention reused %d, PSNR %s dB, SSIM %.4f, %s%n", r.cache(), best,
                        g.cache().passesRun(), g.cache().passesSkipped(), g.cache().attentionReused(), db(row.quality().psnrRgbMean()),
                        row.quality().ssimRgbMean(), row.identical() ? "bit-identical to uncached" : "differs from uncached");
                out.flush();
            }
            table(out, rows, first.numInferenceSteps());
            out.flush();
            return 0;
        }
    }

    private static void table(PrintWriter out, List<Row> rows, int steps) {
        double base = rows.getFirst().denoiseS();
        out.println();
        out.println("| cache | passes run / skipped | attention reused | denoising (s) | per step (s) | speed-up | PSNR RGB / Y (dB) | SSIM RGB / Y |");
        out.println("|---|---|---|---|---|---|---|---|");
        for (Row r : rows) {
            CacheStats s = r.stats();
            int calls = s.attentionComputed() + s.attentionReused();
            out.printf("| `%s` | %d / %d | %s | %.2f | %.3f | %.2f× | %s / %s | %.4f / %.4f |%n", r.cache(), s.passesRun(), s.passesSkipped(),
                    s.attentionReused() == 0 ? "0" : s.attentionReused() + " of " + calls, r.denoiseS(), r.denoiseS() / steps, base / r.denoiseS(),
                    db(r.quality().psnrRgbMean()), db(r.quality().psnrLumaMean()), r.quality().ssimRgbMean(), r.quality().ssimLumaMean());
        }
        for (Row r : rows.subList(1, rows.size())) {
            if (r.stats().passesSkipped() == 0 && r.stats().attentionReused() == 0) {
                out.printf("overhead of `%s` (skips nothing): %+.2f %% of the uncached loop (%+.4f s per step)%n", r.cache(),
                        100 * (r.denoiseS() - base) / base, (r.denoiseS() - base) / steps);
            }
        }
    }

    private static String db(double v) { return Double.isInfinite(v) ? "∞" : String.format("%.2f", v); }
}
