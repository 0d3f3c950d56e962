package dev.reel.pipeline.stages;

import dev.reel.pipeline.GenerationLimits;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.ModelProfile;
import dev.reel.pipeline.ModelTask;
import dev.reel.pipeline.OutputFormat;
import dev.reel.pipeline.VideoGeometry;
import dev.reel.pipeline.media.Mp4Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Stage 1: checks every rule of a {@link GenerationRequest} before any compute. The model's rules (size
 * multiples, the frame rule, the sizes its rotary tables cover) come from its {@link VideoGeometry}, the
 * configured bounds from {@link GenerationLimits}. Each broken rule is an {@link InvalidRequestException} naming
 * the field, the value, the rule and, where there are some, the nearest allowed values.
 */
public final class InputValidation implements Stage {
    private final ModelProfile profile;
    private final GenerationLimits limits;

    /** @param profile the model's geometry, task (the pictures a request must or may give) and experts */
    public InputValidation(ModelProfile profile, GenerationLimits limits) {
        this.profile = profile;
        this.limits = limits;
    }

    @Override public String name() { return "InputValidation"; }

    @Override public void run(PipelineState state) { check(state.request(), profile, limits); }

    /** Checks {@code r} against every rule of the model in {@code profile} and the {@code limits}; throws the first broken one. */
    public static void check(GenerationRequest r, ModelProfile profile, GenerationLimits limits) {
        List<InvalidRequestException> broken = violations(r, profile, limits);
        if (!broken.isEmpty()) throw broken.getFirst();
    }

    /**
     * Every rule {@code r} breaks for the model in {@code profile}: those of its geometry, task and the limits, and
     * that a second guidance scale needs two experts (as Diffusers' {@code check_inputs}).
     */
    public static List<InvalidRequestException> violations(GenerationRequest r, ModelProfile profile, GenerationLimits limits) {
        List<InvalidRequestException> out = violations(r, profile.geometry(), limits, profile.task());
        Double g2 = r.guidanceScale2();
        if (g2 != null && profile.experts() < 2) {
            out.add(new InvalidRequestException("guidanceScale2", g2, "is only used by models with two experts (Wan2.2 A14B: boundary_ratio in model_index.json); this model has one"));
        }
        return out;
    }

    /** Checks {@code r} for a text-to-video model; throws the first broken rule. */
    public static void check(GenerationRequest r, VideoGeometry geometry, GenerationLimits limits) { check(r, geometry, limits, ModelTask.T2V); }

    /** Checks {@code r} against the model's {@code geometry} and {@code task} and the {@code limits}; throws the first broken rule. */
    public static void check(GenerationRequest r, VideoGeometry geometry, GenerationLimits limits, ModelTask task) {
        List<InvalidRequestException> broken = violations(r, geometry, limits, task);
        if (!broken.isEmpty()) throw broken.getFirst();
    }

    /** Every rule {@code r} breaks for a text-to-video model. */
    public static List<InvalidRequestException> violations(GenerationRequest r, VideoGeometry geometry, GenerationLimits limits) {
        return violations(r, geometry, limits, ModelTask.T2V);
    }

    /** Every rule {@code r} breaks, in field order; empty when the request is valid. */
    public static List<InvalidRequestException> violations(GenerationRequest r, VideoGeometry geometry, GenerationLimits limits, ModelTask task) {
        List<InvalidRequestException> out = new ArrayList<>();
        if (r.prompt() == null || r.prompt().isBlank()) out.add(new InvalidRequestException("prompt", r.prompt(), "must not be empty"));
        int maxH = Math.min(limits.maxHeight(), geometry.maxHeight()), maxW = Math.min(limits.maxWidth(), geometry.maxWidth());
        boolean heightOk = multiple(out, "height", r.height(), geometry.heightMultiple(), maxH);
        boolean widthOk = multiple(out, "width", r.width(), geometry.widthMultiple(), maxW);
        boolean framesOk = geometry.validFrames(r.numFrames());
        if (!framesOk) {
            int lower = geometry.framesAtMost(r.numFrames()), upper = geometry.framesAtLeast(r.numFrames());
            out.add(new InvalidRequestException("numFrames", r.numFrames(), "must be " + geometry.frameRule()
                    + nearest(lower < 1 ? upper : lower, upper, 1, Math.min(limits.maxFrames(), geometry.maxFrames()))));
        }
        long pixelFrames = (long) r.width() * r.height() * r.numFrames();
        if (heightOk && widthOk && framesOk && pixelFrames > limits.maxPixelFrames()) {
            out.add(InvalidRequestException.limit("numFrames", r.numFrames(), "size × frames = " + r.width() + "×" + r.height() + "×" + r.numFrames()
                    + " = " + pixelFrames + " pixel-frames: must be at most " + limits.maxPixelFrames()));
        }
        if (heightOk) atMost(out, "height", r.height(), limits.maxHeight(), geometry.maxHeight());
        if (widthOk) atMost(out, "width", r.width(), limits.maxWidth(), geometry.maxWidth());
        if (framesOk) atMost(out, "numFrames", r.numFrames(), limits.maxFrames(), geometry.maxFrames());
        if (r.numInferenceSteps() < 1) out.add(new InvalidRequestException("numInferenceSteps", r.numInferenceSteps(), "must be at least 1"));
        if (r.numInferenceSteps() > limits.maxSteps()) out.add(InvalidRequestException.limit("numInferenceSteps", r.numInferenceSteps(), "must be at most " + limits.maxSteps()));
        if (!(r.guidanceScale() >= 0) || Double.isInfinite(r.guidanceScale())) {
            out.add(new InvalidRequestException("guidanceScale", r.guidanceScale(), "must be a finite number ≥ 0"));
        }
        if (r.guidanceScale2() != null && (!(r.guidanceScale2() >= 0) || Double.isInfinite(r.guidanceScale2()))) {
            out.add(new InvalidRequestException("guidanceScale2", r.guidanceScale2(), "must be a finite number ≥ 0"));
        }
        if (r.fps() < 1) out.add(new InvalidRequestException("fps", r.fps(), "must be at least 1"));
        if (r.maxSequenceLength() < 1) out.add(new InvalidRequestException("maxSequenceLength", r.maxSequenceLength(), "must be at least 1"));
        if (r.flowShift() != null && !(r.flowShift() > 0 && Double.isFinite(r.flowShift()))) {
            out.add(new InvalidRequestException("flowShift", r.flowShift(), "must be a finite number > 0"));
        }
        if (r.crf() < 0 || r.crf() > 51) out.add(new InvalidRequestException("crf", r.crf(), "must be in 0..51"));
        if (r.preset() == null || !Mp4Writer.PRESETS.contains(r.preset())) {
            out.add(new InvalidRequestException("preset", r.preset(), "must be one of " + Mp4Writer.PRESETS));
        }
        if (r.latents() != null && out.isEmpty()) {
            int[] want = geometry.latentShape(r.numFrames(), r.height(), r.width());
            if (!Arrays.equals(r.latents().shape(), want)) {
                out.add(new InvalidRequestException("latents", Arrays.toString(r.latents().shape()), "must have shape " + Arrays.toString(want) + " for this size and frame count"));
            }
        }
        ImageRules.check(out, r, task);
        output(out, r);
        return out;
    }

    /** Adds the broken multiple rule, with the nearest allowed values; false if broken. */
    private static boolean multiple(List<InvalidRequestException> out, String field, int v, int multiple, int max) {
        if (v >= multiple && v % multiple == 0) return true;
        int lower = v / multiple * multiple;
        out.add(new InvalidRequestException(field, v, "must be a positive multiple of " + multiple
                + (v < multiple ? nearest(multiple, multiple, multiple, max) : nearest(lower, lower + multiple, multiple, max))));
        return false;
    }

    /** {@code v} within the configured {@code limit} and the model's own {@code modelMax}. */
    private static void atMost(List<InvalidRequestException> out, String field, int v, int limit, int modelMax) {
        if (v > modelMax && modelMax <= limit) {
            out.add(new InvalidRequestException(field, v, "must be at most " + modelMax + " (the positions the model's rotary tables cover, rope_max_seq_len)"));
        } else if (v > limit) {
            out.add(InvalidRequestException.limit(field, v, "must be at most " + limit));
        }
    }

    /** ": the nearest allowed values are a and b", each clipped to [min, max] (both allowed values). */
    private static String nearest(int a, int b, int min, int max) {
        List<Integer> ok = new ArrayList<>();
        for (int x : new int[] {a, b}) {
            int c = Math.max(min, Math.min(max, x));
            if (max >= min && !ok.contains(c)) ok.add(c);
        }
        if (ok.isEmpty()) return "";
        return ok.size() == 1 ? ": the nearest allowed value is " + ok.getFirst() : ": the nearest allowed values are " + ok.get(0) + " and " + ok.get(1);
    }

    private static void output(List<InvalidRequestException> out, GenerationRequest r) {
        Path o = r.output();
        OutputFormat fmt = r.effectiveOutputFormat();
        if (o == null) {
            if (fmt != OutputFormat.NONE) out.add(new InvalidRequestException("output", null, "must be given for output format " + fmt));
            return;
        }
        if (fmt == OutputFormat.NONE) return;
        if (r.outputFormat() == null && !o.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".mp4")) {
            out.add(new InvalidRequestException("output", o, "has no .mp4 extension: name it " + o.getFileName() + ".mp4 for a video, "
                    + "or ask for the png format (--format png) to get a folder of PNG frames"));
            return;
        }
        Path abs = o.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) out.add(new InvalidRequestException("output", o, "its directory " + dir + " must exist"));
        else if (!Files.isWritable(dir)) out.add(new InvalidRequestException("output", o, "its directory " + dir + " must be writable"));
        else if (Files.isDirectory(abs) && fmt == OutputFormat.MP4) out.add(new InvalidRequestException("output", o, "is a directory; an MP4 output must be a file"));
        else if (Files.exists(abs) && !Files.isDirectory(abs) && fmt == OutputFormat.PNG) out.add(new InvalidRequestException("output", o, "is a file; PNG output is a folder of frames"));
    }
}
