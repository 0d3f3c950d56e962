package dev.reel.cli;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.train.dataset.ShapeRenderer;
import dev.reel.train.dataset.ShapesDataset;
import dev.reel.train.eval.CacheEval;
import dev.reel.train.eval.EvalPrompts;
import dev.reel.train.eval.EvalReport;
import dev.reel.train.eval.FrameStrip;
import dev.reel.train.eval.ShapesEval;
import dev.reel.train.eval.VaeRoundTrip;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reel eval}: automated evaluations of models. */
@Command(name = "eval", description = "Evaluate a model automatically.", subcommands = EvalCommand.Demo.class)
final class EvalCommand implements Runnable {
    @Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    /** {@code reel eval demo}: the shapes-world judge over a prompt set. */
    @Command(name = "demo", sortOptions = false,
            description = {"Generate prompts of the `reel dataset shapes` world (half of them colour×shape×motion triples the dataset",
                    "holds out, half seen ones; left/right/up/down motions only) and judge each video: background colour,",
                    "object colour and the direction its centroid moves. Prints and writes DIR/report.json and DIR/report.md",
                    "(accuracy per attribute on held-out and seen combinations, one row per prompt) and DIR/videos/NN.mp4."})
    static final class Demo implements Callable<Integer> {
        private static final ShapesDataset.Options D = ShapesDataset.Options.defaults();

        @Spec CommandLine.Model.CommandSpec spec;

        @Mixin ModelOptions modelOptions;
        @Option(names = "--count", defaultValue = "" + EvalPrompts.DEFAULT_COUNT, description = "prompts, half held out (default ${DEFAULT-VALUE})") int count;
        @Option(names = "--seed", defaultValue = "0", description = "picks the prompts and backgrounds; prompt i is generated with seed+i (default ${DEFAULT-VALUE})") long seed;
        @Option(names = {"--steps", "--num-inference-steps"}, description = "denoising steps (default: the model's)") Integer steps;
        @Option(names = {"--guidance", "--guidance-scale"}, description = "classifier-free guidance scale (default: the model's)") Double guidance;
        @Option(names = {"--output", "-o"}, defaultValue = "eval-demo", paramLabel = "DIR", description = "a new (or empty) folder for the report and videos (default ${DEFAULT-VALUE})") Path output;
        @Option(names = "--strip", paramLabel = "FILE.png", description = "also write a PNG grid: the first 6 prompts as rows, 6 evenly spaced frames each") Path strip;
        @Option(names = "--dataset-seed", description = "seed of the dataset split the model was trained on (default: reel dataset shapes' default)") Long datasetSeed;
        @Option(names = "--held-out", paramLabel = "FRACTION", description = "held-out share of that split (default: reel dataset shapes' default)") Double heldOut;
        @Option(names = "--vae-only", description = {"judge the model's VAE alone: each prompt's clip is rendered from its attributes and round-tripped",
                "through the VAE (encode, decode); what it scores bounds what the whole model can reach. Writes no videos"}) boolean vaeOnly;
        @Option(names = "--cache", paramLabel = "POLICY", description = {"also generate every prompt under this step cache (repeatable, e.g. teacache:0.2,calibration=F):",
                "the judge's accuracy, passes skipped, denoising time and PSNR/SSIM against the uncached video, per policy, into DIR/caches.md"})
        List<String> caches;
        @Mixin DeviceOptions device;

        /** Request fields these flags set → the flag, so a refused value is named as typed. */
        private static final Map<String, String> FLAGS = Map.of("numInferenceSteps", "--steps", "guidanceScale", "--guidance");

        /** Rows of the frame strip. */
        static final int STRIP_ROWS = 6;

        @Override public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            CommandLine cl = spec.commandLine();
            if (count < 1) throw new CommandLine.ParameterException(cl, "--count " + count + ": must be at least 1");
            if (steps != null && steps < 1) throw new CommandLine.ParameterException(cl, "--steps " + steps + ": must be at least 1");
            if (strip != null && !strip.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
                throw new CommandLine.ParameterException(cl, "--strip " + strip + ": must name a .png file");
            }
            ShapesDataset.Options split = new ShapesDataset.Options(D.count(), D.frames(), D.height(), D.width(), D.fps(), datasetSeed != null ? datasetSeed : D.seed(),
                    heldOut != null ? heldOut : D.heldOutFraction(), D.secondObjectRate());
            List<EvalPrompts.Prompt> prompts = EvalPrompts.of(count, seed, split);
            checkNewFolder(cl);
            GeneratorOptions options = device.generatorOptions();
            if (vaeOnly) {
                if (steps != null || guidance != null) throw new CommandLine.ParameterException(cl, "--steps and --guidance do not apply to --vae-only (nothing is denoised)");
                return run(out, prompts, split, vaeRoundTrip(options, out, cl).eval(modelOptions.model), null);
            }
            boolean cached = caches != null && !caches.isEmpty();
            if (cached && strip != null) throw new CommandLine.ParameterException(cl, "--strip does not apply with --cache (the cache table writes no videos)");
            try (VideoGenerator gen = modelOptions.open(options, cl)) {
                out.printf("model: %s%n", gen.description());
                UnaryOperator<GenerationRequest.Builder> changes = b -> {
                    if (steps != null) b.numInferenceSteps(steps);
                    if (guidance != null) b.guidanceScale(guidance);
                    return b;
                };
                try {
                    gen.validate(ShapesEval.requestFor(gen, changes, null, prompts.getFirst()));   // the videos folder is made after the checks
                } catch (InvalidRequestException e) {
                    throw new CommandLine.ParameterException(cl, "invalid " + FLAGS.getOrDefault(e.field(), e.field()) + ": " + e.getMessage());
                }
                if (cached) return cacheTable(out, gen, changes, prompts, cl);
                return run(out, prompts, split, ShapesEval.generating(gen, changes, output.resolve("videos"), prompts.getFirst()), output.resolve("videos"));
            }
        }

        /** {@code --cache}: every prompt uncached and under each policy; the uncached report and DIR/caches.md. */
        private Integer cacheTable(PrintWriter out, VideoGenerator gen, UnaryOperator<GenerationRequest.Builder> changes, List<EvalPrompts.Prompt> prompts,
                                   CommandLine cl) {
            for (String c : caches) {
                try {
                    gen.validate(ShapesEval.requestFor(gen, b -> changes.apply(b).cache(c), null, prompts.getFirst()));
                } catch (InvalidRequestException e) {
                    throw new CommandLine.ParameterException(cl, "invalid --cache " + c + ": " + e.getMessage());
                }
            }
            out.printf("%d prompts, uncached and under %d cache policies, seed %d%n", prompts.size(), caches.size(), seed);
            out.flush();
            List<CacheEval.Policy> policies = CacheEval.run(gen, changes, caches, prompts, seed, line -> { out.println(line); out.flush(); });
            String table = CacheEval.markdown(policies);
            CacheEval.write(output, policies);
            out.println();
            out.print(table);
            out.printf("wrote %s, %s and %s%n", output.resolve("caches.md"), output.resolve("report.json"), output.resolve("report.md"));
            out.flush();
            return 0;
        }

        /** The round trip of {@code --model}'s VAE on these flags' device ({@code --vae-dtype}; fp32 by default). */
        private VaeRoundTrip vaeRoundTrip(GeneratorOptions options, PrintWriter out, CommandLine cl) {
            if (ModelSource.isRandomDemo(modelOptions.model) || modelOptions.random.randomWeights) {
                throw new CommandLine.ParameterException(cl, "--vae-only judges a trained VAE: give --model a pipeline folder or 'demo', not random weights");
            }
            Path vae = ModelSource.local(modelOptions.model).resolve("vae");
            if (!Files.isRegularFile(vae.resolve("config.json"))) throw new CommandLine.ParameterException(cl, "--model " + modelOptions.model + " has no vae/config.json");
            Backend backend = Backends.of(options.device());
            out.printf("model: the VAE of %s (%s on %s)%n", modelOptions.model, DeviceOptions.name(options.effectiveVaeDtype()), options.device());
            return new VaeRoundTrip(AutoencoderKLWan.load(vae, options.effectiveVaeDtype(), backend), new ShapeRenderer(D.frames(), D.height(), D.width()));
        }

        /** Judges every prompt's video, prints the progress and the table, writes the report (and strip). */
        private Integer run(PrintWriter out, List<EvalPrompts.Prompt> prompts, ShapesDataset.Options split, ShapesEval eval, Path videos) {
            try {
                long held = prompts.stream().filter(EvalPrompts.Prompt::heldOut).count();
                out.printf("%d prompts (%d held-out combinations, %d seen), seed %d, dataset split seed %d%n", prompts.size(), held, prompts.size() - held, seed, split.seed());
                out.flush();
                Files.createDirectories(videos != null ? videos : output);
                List<FrameStrip.Row> stripRows = new ArrayList<>();
                EvalReport report = eval.run(prompts, seed, o -> {
                    EvalReport.Row r = o.row();
                    out.printf("[%d/%d] %-8s %s: object %s, background %s, motion %s%n", r.prompt().index() + 1, prompts.size(), r.prompt().heldOut() ? "held-out" : "seen",
                            r.prompt().prompt(), verdict(r.objectRight(), r.seen().object() == null ? "none" : r.seen().object().word()),
                            verdict(r.backgroundRight(), r.seen().background().word()),
                            verdict(r.motionRight(), r.seen().motion() == null ? "none" : r.seen().motion().word()));
                    out.flush();
                    if (strip != null && stripRows.size() < STRIP_ROWS) stripRows.add(new FrameStrip.Row(r.prompt().prompt(), o.frames()));
                });
                report.write(output);
                String md = report.markdown();
                out.println();
                out.print(md.substring(md.indexOf("| combinations"), md.indexOf("\n\n| #") + 1));
                out.printf("wrote %s and %s%s%n", output.resolve("report.json"), output.resolve("report.md"), videos == null ? "" : ", videos in " + videos);
                if (strip != null) {
                    FrameStrip.write(stripRows, FrameStrip.DEFAULT_COLUMNS, strip);
                    out.printf("wrote %s (%d prompts × %d frames)%n", strip, stripRows.size(), FrameStrip.DEFAULT_COLUMNS);
                }
                out.flush();
                return 0;
            } catch (IOException e) {
                throw new dev.reel.core.ReelException("--output " + output + ": cannot create it: " + e.getMessage(), e);
            }
        }

        private static String verdict(boolean right, String what) { return what + (right ? " ✓" : " ✗"); }

        /** The report goes into a new or empty folder, so nothing of an earlier run is overwritten or mixed in. */
        private void checkNewFolder(CommandLine cl) {
            if (!Files.exists(output)) return;
            if (!Files.isDirectory(output)) throw new CommandLine.ParameterException(cl, "--output " + output + ": exists and is not a folder");
            try (Stream<Path> s = Files.list(output)) {
                if (s.findAny().isPresent()) throw new CommandLine.ParameterException(cl, "--output " + output + ": exists and is not empty; choose a new folder");
            } catch (IOException e) {
                throw new CommandLine.ParameterException(cl, "--output " + output + ": cannot be read (" + e.getMessage() + ")");
            }
        }
    }
}
