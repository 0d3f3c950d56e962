package dev.reel.pipeline.stages;

import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.OutputFormat;
import dev.reel.pipeline.media.Mp4Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Stage 1: checks every rule of a {@link GenerationRequest} before any compute, throwing
 * {@link InvalidRequestException} that names the field, the value and the rule.
 */
public final class InputValidation implements Stage {
    /** Pixels per latent cell in height/width (VAE 8×) times the transformer's 2×2 patch. */
    public static final int SIZE_MULTIPLE = 16;
    /** The VAE compresses time 4× and keeps the first frame: frames = 4k + 1. */
    public static final int TEMPORAL_FACTOR = 4;

    private final GeneratorOptions limits;

    public InputValidation(GeneratorOptions limits) { this.limits = limits; }

    @Override public String name() { return "InputValidation"; }

    @Override public void run(PipelineState state) { check(state.request(), limits); }

    /** Checks {@code r} against the rules and {@code limits}; throws on the first broken rule. */
    public static void check(GenerationRequest r, GeneratorOptions limits) {
        if (r.prompt() == null || r.prompt().isBlank()) throw new InvalidRequestException("prompt", r.prompt(), "must not be empty");
        size("height", r.height(), limits.maxHeight());
        size("width", r.width(), limits.maxWidth());
        if (r.numFrames() < 1 || (r.numFrames() - 1) % TEMPORAL_FACTOR != 0) {
            throw new InvalidRequestException("numFrames", r.numFrames(), "must be 4k+1 (1, 5, 9, …, 81, …)");
        }
        if (r.numFrames() > limits.maxFrames()) throw new InvalidRequestException("numFrames", r.numFrames(), "must be at most " + limits.maxFrames());
        if (r.numInferenceSteps() < 1) throw new InvalidRequestException("numInferenceSteps", r.numInferenceSteps(), "must be at least 1");
        if (r.numInferenceSteps() > limits.maxSteps()) throw new InvalidRequestException("numInferenceSteps", r.numInferenceSteps(), "must be at most " + limits.maxSteps());
        if (!(r.guidanceScale() >= 0) || Double.isInfinite(r.guidanceScale())) {
            throw new InvalidRequestException("guidanceScale", r.guidanceScale(), "must be a finite number ≥ 0");
        }
        if (r.fps() < 1) throw new InvalidRequestException("fps", r.fps(), "must be at least 1");
        if (r.maxSequenceLength() < 1) throw new InvalidRequestException("maxSequenceLength", r.maxSequenceLength(), "must be at least 1");
        if (r.flowShift() != null && !(r.flowShift() > 0 && Double.isFinite(r.flowShift()))) {
            throw new InvalidRequestException("flowShift", r.flowShift(), "must be a finite number > 0");
        }
        if (r.crf() < 0 || r.crf() > 51) throw new InvalidRequestException("crf", r.crf(), "must be in 0..51");
        if (r.preset() == null || !Mp4Writer.PRESETS.contains(r.preset())) {
            throw new InvalidRequestException("preset", r.preset(), "must be one of " + Mp4Writer.PRESETS);
        }
        if (r.latents() != null) {
            int[] want = {1, LatentPreparation.LATENT_CHANNELS, (r.numFrames() - 1) / TEMPORAL_FACTOR + 1, r.height() / 8, r.width() / 8};
            if (!Arrays.equals(r.latents().shape(), want)) {
                throw new InvalidRequestException("latents", Arrays.toString(r.latents().shape()), "must have shape " + Arrays.toString(want) + " for this size and frame count");
            }
        }
        output(r);
    }

    private static void size(String field, int v, int max) {
        if (v < SIZE_MULTIPLE || v % SIZE_MULTIPLE != 0) throw new InvalidRequestException(field, v, "must be a positive multiple of " + SIZE_MULTIPLE);
        if (v > max) throw new InvalidRequestException(field, v, "must be at most " + max);
    }

    private static void output(GenerationRequest r) {
        Path out = r.output();
        OutputFormat fmt = r.effectiveOutputFormat();
        if (out == null) {
            if (fmt != OutputFormat.NONE) throw new InvalidRequestException("output", null, "must be given for output format " + fmt);
            return;
        }
        if (fmt == OutputFormat.NONE) return;
        Path abs = out.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new InvalidRequestException("output", out, "its directory " + dir + " must exist");
        if (!Files.isWritable(dir)) throw new InvalidRequestException("output", out, "its directory " + dir + " must be writable");
        if (Files.isDirectory(abs) && fmt == OutputFormat.MP4) throw new InvalidRequestException("output", out, "is a directory; an MP4 output must be a file");
        if (Files.exists(abs) && !Files.isDirectory(abs) && fmt == OutputFormat.PNG) throw new InvalidRequestException("output", out, "is a file; PNG output is a folder of frames");
    }
}
