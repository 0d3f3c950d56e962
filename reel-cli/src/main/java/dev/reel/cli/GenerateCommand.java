package dev.reel.cli;

import dev.reel.pipeline.DemoConfigs;
import dev.reel.core.DeviceOutOfMemoryException;
import dev.reel.models.lora.LoraAdapters;
import dev.reel.models.lora.LoraException;
import dev.reel.models.lora.LoraSpec;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GenerationResult;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.ModelProfile;
import dev.reel.pipeline.OutputFormat;
import dev.reel.pipeline.SchedulerType;
import dev.reel.pipeline.StageTiming;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.pipeline.stages.InputValidation;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import dev.reel.models.image.InvalidImageException;
import dev.reel.models.image.RgbImage;
import dev.reel.pipeline.InputImages;
import picocli.CommandLine.Spec;

/**
 * {@code reel generate}: text to video with a Wan2.1 Diffusers pipeline (a folder, a Hugging Face id, or the
 * built-in demo). Every request is checked against the model's configs before any weight is read.
 */
@Command(name = "generate", sortOptions = false,
        description = {"Generate a video from a prompt (and, for image-to-video models, --image) with a Wan2.1 Diffusers pipeline.",
                "--model takes a folder, a Hugging Face id (ORG/NAME, fetched into the hub cache) or 'demo' (a tiny",
                "pipeline with seeded random weights: noise, but a real MP4). Diffusers' and FastVideo's flag names work too."})
final class GenerateCommand implements Callable<Integer> {
    /** Request fields → the flag that sets them, so validation errors name what the user typed. */
    private static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("prompt", "--prompt"), Map.entry("negativePrompt", "--negative-prompt"), Map.entry("height", "--height"),
            Map.entry("width", "--width"), Map.entry("numFrames", "--frames"), Map.entry("numInferenceSteps", "--steps"),
            Map.entry("guidanceScale", "--guidance"), Map.entry("guidanceScale2", "--guidance-scale-2"), Map.entry("fps", "--fps"), Map.entry("flowShift", "--flow-shift"),
            Map.entry("maxSequenceLength", "--max-sequence-length"), Map.entry("output", "--output"),
            Map.entry("preset", "--x264-preset"), Map.entry("crf", "--crf"), Map.entry("scheduler", "--scheduler"), Map.entry("cache", "--cache"),
            Map.entry("image", "--image"), Map.entry("lastImage", "--last-image"));

    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = {"--model", "--model-path"}, required = true, paramLabel = "MODEL",
            description = "Diffusers pipeline folder (model_index.json …), a Hugging Face id such as Wan-AI/Wan2.1-T2V-1.3B-Diffusers, 'demo' (the model Reel trained; until its weights are installed, the random one) or 'demo-random'")
    String model;

    @Mixin HubFlags hub;

    @Mixin RandomWeightOptions random;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompts prompts;

    /** One prompt, or a file of them. */
    static final class Prompts {
        @Option(names = "--prompt", required = true, description = "what the video shows") String prompt;
        @Option(names = "--prompt-file", required = true, paramLabel = "FILE", description = "one prompt per line (blank lines skipped): one video each") Path file;
    }

    @Option(names = "--image", paramLabel = "PATH", description = "the first frame (PNG or JPEG), for image-to-video models (Wan2.1 I2V/FLF2V)")
    Path image;

    @Option(names = "--last-image", paramLabel = "PATH", description = "the last frame (PNG or JPEG), for first-and-last-frame models (with --image)")
    Path lastImage;

    /** The decoded --image and --last-image (null when not given), read before any weight. */
    private RgbImage firstPicture, lastPicture;

    @Option(names = "--negative-prompt", description = "what to steer away from (default: the model's, usually none)")
    String negativePrompt;

    @Option(names = "--height", description = "frame height, a multiple of 16 (default: the model's; Wan2.1 480, demo 192)") Integer height;
    @Option(names = "--width", description = "frame width, a multiple of 16 (default: the model's; Wan2.1 832, demo 320)") Integer width;
    @Option(names = {"--frames", "--num-frames"}, description = "number of frames, 4k+1 (default: the model's; Wan2.1 81, demo 17)") Integer frames;
    @Option(names = {"--steps", "--num-inference-steps"}, description = "denoising steps (default: the model's; Wan2.1 50, demo 10)") Integer steps;
    @Option(names = {"--guidance", "--guidance-scale"}, description = "classifier-free guidance scale; ≤ 1 turns it off (default 5.0)") Double guidance;
    @Option(names = {"--guidance-scale-2", "--guidance-2"}, description = "guidance of the low-noise expert of two-expert models (Wan2.2 A14B; default: --guidance)") Double guidance2;
    @Option(names = "--seed", description = "noise seed (default: random, printed); with --num-videos N the videos use seed, seed+1, …") Long seed;
    @Option(names = "--fps", description = "frames per second of the video (default 16)") Integer fps;
    @Option(names = "--num-videos", defaultValue = "1", description = "videos per prompt, each with the next seed (default: ${DEFAULT-VALUE})") int numVideos;
    @Option(names = "--scheduler", description = "unipc or euler (default: the model's)") String scheduler;
    @Option(names = "--flow-shift", description = "flow-matching shift (default: the model's; Wan uses 3.0 at 480p, 5.0 at 720p)") Double flowShift;
    @Option(names = "--max-sequence-length", description = "text tokens (default: the model's, 512; longer prompts are cut, with a warning)") Integer maxSequenceLength;

    @Option(names = {"--output", "-o", "--output-path"}, paramLabel = "FILE",
            description = "out.mp4 (with --format png: a folder for PNG frames); default: a new file named from the prompt and seed in the current folder")
    Path output;

    @Option(names = "--format", description = "mp4 or png (default: mp4; an --output name must then end in .mp4)") String format;
    @Option(names = "--x264-preset", paramLabel = "PRESET", description = "libx264 encoding speed, ultrafast … veryslow: file size, not picture quality (default ultrafast)") String x264Preset;
    @Option(names = "--crf", description = "libx264 quality, 0 (lossless) … 51 (default 18)") Integer crf;

    @Mixin ProfileOptions opProfile;

    @Option(names = "--cache", paramLabel = "STRATEGY[:PARAMS]", description = {"step cache: none (default), teacache[:threshold], pab[:self-range], magcache[:threshold], easycache[:threshold],",
            "more parameters as name=value after a comma, e.g. teacache:0.08,ret_steps=true or pab:2,cross=4,window=100-800 (README: Step caches)"})
    String cache;

    @Option(names = "--lora", paramLabel = "FILE[:SCALE]", description = "apply a LoRA to the transformer (safetensors, Diffusers/PEFT keys), its scale times SCALE (default 1); repeatable")
    List<String> loras = new ArrayList<>();

    @Option(names = "--lora-merge", description = "merge the --lora adapters into the weights (no per-step cost) instead of applying them on the fly")
    boolean loraMerge;

    @Mixin DeviceOptions device;

    @Mixin ParallelOptions parallel;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean quiet = ReelCli.quiet(spec);
        random.check(spec.commandLine());
        if (numVideos < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--num-videos " + numVideos + ": must be at least 1");
        GeneratorOptions options = parallel.generatorOptions(device);
        Path dir = ModelSource.isRandomDemo(model) ? null : ModelSource.resolve(model, hub.options(), quiet ? null : err);
        ModelProfile profile = dir == null ? DemoConfigs.profile() : ModelProfile.read(dir);

        try {
            firstPicture = image == null ? null : InputImages.read(image);
            lastPicture = lastImage == null ? null : InputImages.read(lastImage);
        } catch (InvalidImageException e) {
            err.println("reel generate: invalid " + (firstPicture == null && image != null ? "--image " + image : "--last-image " + lastImage) + ": " + e.getMessage());
            err.flush();
            return spec.exitCodeOnInvalidInput();
        }

        // every request checked against the configs before any weight is read
        List<GenerationRequest> requests;
        try {
            requests = new Batch(profile, prompts(), output, Path.of("")).requests(this);
        } catch (InvalidRequestException e) {   // a flag the request builder itself refuses (e.g. an unknown --cache)
            err.println("reel generate: invalid " + flag(e) + ": " + e.getMessage());
            err.flush();
            return spec.exitCodeOnInvalidInput();
        }
        List<String> errors = new ArrayList<>();
        for (GenerationRequest r : requests) {
            for (InvalidRequestException e : InputValidation.violations(r, profile, options.limits())) {
                // pictures are named by the path typed, or not at all when the flag is missing
                Path picture = e.field().equals("image") ? image : e.field().equals("lastImage") ? lastImage : null;
                String shown = e.field().equals("image") || e.field().equals("lastImage") ? (picture == null ? "" : " " + picture) : " " + e.value();
                String line = flag(e) + shown + ": " + e.rule();
                if (!errors.contains(line)) errors.add(line);
            }
        }
        if (!errors.isEmpty()) {
            for (String e : errors) err.println("reel generate: " + e);
            err.flush();
            return spec.exitCodeOnInvalidInput();
        }

        long t0 = System.nanoTime();
        try (VideoGenerator gen = load(dir, options)) {
            if (!quiet) {
                out.printf("model: %s%n", gen.description());
                if (gen.randomWeights()) out.println("note: the weights are seeded random numbers, so the video shows noise, not the prompt");
                out.printf("device: %s, loaded in %.2f s%n", DeviceOptions.describe(options), (System.nanoTime() - t0) / 1e9);
            }
            applyLoras(gen, out);
            dev.reel.core.Backend backend = options.backend();
            for (GenerationRequest request : requests) {
                backend.resetPeakMemory();
                if (!quiet) {
                    out.printf("seed %d: %d frames of %dx%d, %d steps, guidance %.2f: \"%s\"%n", request.seed(), request.numFrames(), request.width(),
                            request.height(), request.numInferenceSteps(), request.guidanceScale(), Batch.shorten(request.prompt(), 60));
                    out.flush();
                }
                GenerationResult r = gen.generate(request, opProfile.around(new ProgressPrinter(out, err, ProgressPrinter.stdoutIsTerminal(), quiet), out),
                        new dev.reel.pipeline.CancellationToken());
                summary(out, r, request, quiet);
                if (!quiet && options.device().type() != dev.reel.core.Device.Type.CPU) {
                    out.printf("peak device memory during the job: %.2f GiB (memory level %d)%n", backend.memoryStats().peakGiB(),
                            options.system().memoryLevel().level());
                }
                out.flush();
            }
            return 0;
        }
    }

    private void applyLoras(VideoGenerator gen, PrintWriter out) {
        for (String text : loras) {
            try {
                LoraAdapters a = gen.applyLoras(List.of(LoraSpec.parse(text)), loraMerge).get(0);
                out.printf("LoRA %s: %d linears adapted, %s%n", text, a.adapters().size(), loraMerge ? "merged into the weights" : "applied on the fly");
            } catch (LoraException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "invalid --lora " + text + ": " + e.getMessage());
            }
        }
    }

    private static String flag(InvalidRequestException e) { return FLAGS.getOrDefault(e.field(), e.field()); }

    private List<String> prompts() {
        if (prompts.prompt != null) return List.of(prompts.prompt);
        List<String> lines;
        try {
            lines = java.nio.file.Files.readAllLines(prompts.file).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (java.io.IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--prompt-file " + prompts.file + ": cannot read it (" + e.getMessage() + ")");
        }
        if (lines.isEmpty()) throw new CommandLine.ParameterException(spec.commandLine(), "--prompt-file " + prompts.file + ": has no prompts (one per line)");
        return lines;
    }

    /** {@link #open}, naming the stage when the heap runs out there (the weights, or the random ones, are being made). */
    private VideoGenerator load(Path dir, GeneratorOptions options) {
        try {
            return open(dir, options);
        } catch (OutOfMemoryError e) {
            long max = Runtime.getRuntime().maxMemory();
            throw new DeviceOutOfMemoryException("CPU out of memory while loading the model's weights" + (random.randomWeights ? " (making random ones)" : "")
                    + ": they do not fit in the Java heap's " + DeviceOutOfMemoryException.size(max) + " maximum", 0, e);
        }
    }

    private VideoGenerator open(Path dir, GeneratorOptions options) {
        return dir == null ? VideoGenerator.demo(options) : random.open(dir, options);
    }

    /** The request for one prompt and seed: the model's defaults with the flags given. */
    GenerationRequest request(ModelProfile profile, String prompt, long seedValue, Path out) {
        GenerationRequest.Builder b = profile.requestBuilder(prompt).output(out).seed(seedValue);
        if (negativePrompt != null) b.negativePrompt(negativePrompt);
        if (height != null) b.height(height);
        if (width != null) b.width(width);
        if (frames != null) b.numFrames(frames);
        if (steps != null) b.numInferenceSteps(steps);
        if (guidance != null) b.guidanceScale(guidance);
        if (guidance2 != null) b.guidanceScale2(guidance2);
        if (fps != null) b.fps(fps);
        if (scheduler != null) b.scheduler(SchedulerType.parse(scheduler));
        if (flowShift != null) b.flowShift(flowShift);
        if (maxSequenceLength != null) b.maxSequenceLength(maxSequenceLength);
        OutputFormat f = outputFormat();
        if (f != null) b.outputFormat(f);
        if (x264Preset != null) b.preset(x264Preset);
        if (crf != null) b.crf(crf);
        if (cache != null) b.cache(cache);
        b.image(firstPicture).lastImage(lastPicture);
        return b.build();
    }

    OutputFormat outputFormat() {
        if (format == null) return null;
        return switch (format.toLowerCase(Locale.ROOT)) {
            case "mp4" -> OutputFormat.MP4;
            case "png" -> OutputFormat.PNG;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--format " + format + ": must be mp4 or png");
        };
    }

    Long seed() { return seed; }

    int numVideos() { return numVideos; }

    private static void summary(PrintWriter out, GenerationResult r, GenerationRequest q, boolean quiet) {
        if (!quiet) {
            out.println("stage                 seconds");
            for (StageTiming t : r.timings()) out.printf("%-20s %8.3f%n", t.stage(), t.millis() / 1000);
            out.printf("%-20s %8.3f%n", "total", r.total().toNanos() / 1e9);
            out.printf("transformer passes: %d run, %d skipped (cache %s)%s%n", r.cache().passesRun(), r.cache().passesSkipped(), r.cache().cache(),
                    r.cache().attentionReused() > 0 ? ", " + r.cache().attentionReused() + " of " + (r.cache().attentionReused() + r.cache().attentionComputed()) + " attention calls reused" : "");
        }
        String what = q.effectiveOutputFormat() == OutputFormat.PNG ? "PNG frames" : "H.264 MP4";
        out.printf("wrote %s: %s, %d frames of %dx%d at %d fps (seed %d)%n", r.output(), what, r.frames().count(),
                r.frames().width(), r.frames().height(), q.fps(), r.seed());
    }
}
