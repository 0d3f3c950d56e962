package dev.reel.cli;

import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GenerationResult;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.OutputFormat;
import dev.reel.pipeline.SchedulerType;
import dev.reel.pipeline.StageTiming;
import dev.reel.pipeline.VideoGenerator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reel generate}: text to video with a Wan2.1 Diffusers pipeline (or the built-in demo). */
@Command(name = "generate", sortOptions = false,
        description = {"Generate a video from a prompt with a Wan2.1 Diffusers pipeline folder.",
                "--model demo builds a tiny pipeline with seeded random weights (noise, but a real MP4)."})
final class GenerateCommand implements Callable<Integer> {
    /** Request fields → the flag that sets them, so validation errors name what the user typed. */
    private static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("prompt", "--prompt"), Map.entry("negativePrompt", "--negative-prompt"), Map.entry("height", "--height"),
            Map.entry("width", "--width"), Map.entry("numFrames", "--frames"), Map.entry("numInferenceSteps", "--steps"),
            Map.entry("guidanceScale", "--guidance"), Map.entry("fps", "--fps"), Map.entry("flowShift", "--flow-shift"),
            Map.entry("maxSequenceLength", "--max-sequence-length"), Map.entry("output", "--output"),
            Map.entry("preset", "--preset"), Map.entry("crf", "--crf"), Map.entry("scheduler", "--scheduler"), Map.entry("cache", "--cache"));

    @Spec CommandLine.Model.CommandSpec spec;

    @Mixin ModelOptions modelOptions;

    @Option(names = "--prompt", required = true, description = "what the video shows")
    String prompt;

    @Option(names = "--negative-prompt", description = "what to steer away from (default: none)")
    String negativePrompt;

    @Option(names = "--height", description = "frame height, a multiple of 16 (default 480; demo 192)") Integer height;
    @Option(names = "--width", description = "frame width, a multiple of 16 (default 832; demo 320)") Integer width;
    @Option(names = "--frames", description = "number of frames, 4k+1 (default 81; demo 17)") Integer frames;
    @Option(names = "--steps", description = "denoising steps (default 50; demo 10)") Integer steps;
    @Option(names = "--guidance", description = "classifier-free guidance scale; ≤ 1 turns it off (default 5.0)") Double guidance;
    @Option(names = "--seed", description = "noise seed (default: random, printed)") Long seed;
    @Option(names = "--fps", description = "frames per second of the video (default 16)") Integer fps;
    @Option(names = "--scheduler", description = "unipc or euler (default: the model's)") String scheduler;
    @Option(names = "--flow-shift", description = "flow-matching shift (default: the model's; Wan uses 3.0 at 480p, 5.0 at 720p)") Double flowShift;
    @Option(names = "--max-sequence-length", description = "text tokens (default 512)") Integer maxSequenceLength;

    @Option(names = "--cache", paramLabel = "STRATEGY[:PARAMS]", description = {"step cache: none (default), teacache[:threshold], pab[:self-range], magcache[:threshold], easycache[:threshold],",
            "more parameters as name=value after a comma, e.g. teacache:0.08,ret_steps=true or pab:2,cross=4,window=100-800 (README: Step caches)"})
    String cache;

    @Option(names = {"--output", "-o"}, required = true, paramLabel = "FILE", description = "out.mp4, or a folder for PNG frames")
    Path output;

    @Option(names = "--format", description = "mp4 or png (default: from the --output name)") String format;
    @Option(names = "--preset", description = "libx264 preset (default ultrafast)") String preset;
    @Option(names = "--crf", description = "libx264 quality, 0 (lossless) … 51 (default 18)") Integer crf;

    @Mixin DeviceOptions device;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        GeneratorOptions options = device.generatorOptions();
        long t0 = System.nanoTime();
        try (VideoGenerator gen = modelOptions.open(options, spec.commandLine())) {
            out.printf("model: %s%n", gen.description());
            if (gen.randomWeights()) out.println("note: the weights are seeded random numbers, so the video shows noise, not the prompt");
            out.printf("device: %s, loaded in %.2f s%n", DeviceOptions.describe(options), (System.nanoTime() - t0) / 1e9);
            GenerationRequest request;
            GenerationResult r;
            dev.reel.core.Backend backend = options.backend();
            backend.resetPeakMemory();
            try {
                request = request(gen);
                out.printf("generating %d frames of %dx%d, %d steps, guidance %.2f, seed %s, cache %s%n", request.numFrames(), request.width(),
                        request.height(), request.numInferenceSteps(), request.guidanceScale(), request.seed() == null ? "random" : request.seed(), request.cache());
                r = gen.generate(request, new ProgressPrinter(out, ProgressPrinter.stdoutIsTerminal()), new dev.reel.pipeline.CancellationToken());
            } catch (InvalidRequestException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "invalid " + FLAGS.getOrDefault(e.field(), e.field()) + ": " + e.getMessage());
            }
            summary(out, r, request);
            if (options.device().type() != dev.reel.core.Device.Type.CPU) {
                out.printf("peak device memory during the job: %.2f GiB (memory level %d)%n", backend.memoryStats().peakGiB(),
                        options.system().memoryLevel().level());
            }
            out.flush();
            return 0;
        }
    }

    private GenerationRequest request(VideoGenerator gen) {
        GenerationRequest.Builder b = gen.requestBuilder(prompt).output(output).seed(seed);
        if (negativePrompt != null) b.negativePrompt(negativePrompt);
        if (height != null) b.height(height);
        if (width != null) b.width(width);
        if (frames != null) b.numFrames(frames);
        if (steps != null) b.numInferenceSteps(steps);
        if (guidance != null) b.guidanceScale(guidance);
        if (fps != null) b.fps(fps);
        if (scheduler != null) b.scheduler(SchedulerType.parse(scheduler));
        if (flowShift != null) b.flowShift(flowShift);
        if (maxSequenceLength != null) b.maxSequenceLength(maxSequenceLength);
        if (format != null) {
            try {
                b.outputFormat(OutputFormat.valueOf(format.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "invalid --format: '" + format + "' (use mp4 or png)");
            }
        }
        if (preset != null) b.preset(preset);
        if (crf != null) b.crf(crf);
        if (cache != null) b.cache(cache);
        GenerationRequest r = b.build();
        gen.validate(r);
        return r;
    }

    private static void summary(PrintWriter out, GenerationResult r, GenerationRequest q) {
        out.println("stage                 seconds");
        for (StageTiming t : r.timings()) out.printf("%-20s %8.3f%n", t.stage(), t.millis() / 1000);
        out.printf("%-20s %8.3f%n", "total", r.total().toNanos() / 1e9);
        out.printf("transformer passes: %d run, %d skipped (cache %s)%s%n", r.cache().passesRun(), r.cache().passesSkipped(), r.cache().cache(),
                r.cache().attentionReused() > 0 ? ", " + r.cache().attentionReused() + " of " + (r.cache().attentionReused() + r.cache().attentionComputed()) + " attention calls reused" : "");
        String what = q.effectiveOutputFormat() == OutputFormat.PNG ? "PNG frames" : "H.264 MP4";
        out.printf("wrote %s: %s, %d frames of %dx%d at %d fps (seed %d)%n", r.output(), what, r.frames().count(),
                r.frames().width(), r.frames().height(), q.fps(), r.seed());
    }
}
