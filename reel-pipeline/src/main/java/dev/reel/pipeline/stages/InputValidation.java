package dev.reel.pipeline.stages;

import dev.reel.pipeline.GenerationLimits;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.OutputFormat;
import dev.reel.pipeline.VideoGeometry;
import dev.reel.pipeline.media.Mp4Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Stage 1: checks every rule of a {@link GenerationRequest} before any compute, throwing
 * {@link InvalidRequestException} that names the field, the value and the rule. The model's rules (size
 * multiples, the frame rule, the sizes its rotary tables cover) come from its {@link VideoGeometry}, the
 * configured bounds from {@link GenerationLimits}.
 */
public final class InputValidation implements Stage {
    private final VideoGeometry geometry;
    private final GenerationLimits limits;

    public InputValidation(VideoGeometry geometry, GenerationLimits limits) {
        this.geometry = geometry;
        this.limits = limits;
    }

    @Override public String name() { return "InputValidation"; }

    @Override public void run(PipelineState state) { check(state.request(), geometry, limits); }

    /** Checks {@code r} against the model's {@code geometry} and the {@code limits}; throws on the first broken rule. */
    public static void check(GenerationRequest r, VideoGeometry geometry, GenerationLimits limits) {
        if (r.prompt() == null || r.prompt().isBlank()) throw new InvalidRequestException("prompt", r.prompt(), "must not be empty");
        multiple("height", r.height(), geometry.heightMultiple());
        multiple("width", r.width(), geometry.widthMultiple());
        if (!geometry.validFrames(r.numFrames())) throw new InvalidRequestException("numFrames", r.numFrames(), "must be " + geometry.frameRule());
        long pixelFrames = (long) r.width() * r.height() * r.numFrames();
        if (pixelFrames > limits.maxPixelFrames()) {
            throw InvalidRequestException.limit("numFrames", r.numFrames(), "size × frames = " + r.width() + "×" + r.height() + "×" + r.numFrames()
                    + " = " + pixelFrames + " pixel-frames: must be at most " + limits.maxPixelFrames());
        }
        atMost("height", r.height(), limits.maxHeight(), geometry.maxHeight());
        atMost("width", r.width(), limits.maxWidth(), geometry.maxWidth());
        atMost("numFrames", r.numFrames(), limits.maxFrames(), geometry.maxFrames());
        if (r.numInferenceSteps() < 1) throw new InvalidRequestException("numInferenceSteps", r.numInferenceSteps(), "must be at least 1");
        if (r.numInferenceSteps() > limits.maxSteps()) throw InvalidRequestException.limit("numInferenceSteps", r.numInferenceSteps(), "must be at most " + limits.maxSteps());
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
            int[] want = geometry.latentShape(r.numFrames(), r.height(), r.width());
            if (!Arrays.equals(r.latents().shape(), want)) {
                throw new InvalidRequestException("latents", Arrays.toString(r.latents().shape()), "must have shape " + Arrays.toString(want) + " for this size and frame count");
            }
        }
        output(r);
    }

    private static void multiple(String field, int v, int multiple) {
        if (v < multiple || v % multiple != 0) throw new InvalidRequestException(field, v, "must be a positive multiple of " + multiple);
    }

    /** {@code v} within the configured {@code limit} and the model's own {@code modelMax}. */
    private static void atMost(String field, int v, int limit, int modelMax) {
        if (v > modelMax && modelMax <= limit) {
            throw new InvalidRequestException(field, v, "must be at most " + modelMax + " (the positions the model's rotary tables cover, rope_max_seq_len)");
        }
        if (v > limit) throw InvalidRequestException.limit(field, v, "must be at most " + limit);
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
