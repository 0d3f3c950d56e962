package dev.reel.pipeline.stages;

import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.ModelProfile;
import dev.reel.pipeline.OutputFormat;
import dev.reel.pipeline.media.Mp4Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Stage 1: checks every rule of a {@link GenerationRequest} before any compute: the model's shape rules (from its
 * configs, {@link ModelProfile}) and the configured limits. Each broken rule is an {@link InvalidRequestException}
 * naming the field, the value, the rule and, where there are some, the nearest allowed values.
 */
public final class InputValidation implements Stage {
    private final ModelProfile profile;
    private final GeneratorOptions limits;

    public InputValidation(ModelProfile profile, GeneratorOptions limits) {
        this.profile = profile;
        this.limits = limits;
    }

    @Override public String name() { return "InputValidation"; }

    @Override public void run(PipelineState state) { check(state.request(), profile, limits); }

    /** Checks {@code r}; throws the first broken rule. */
    public static void check(GenerationRequest r, ModelProfile profile, GeneratorOptions limits) {
        List<InvalidRequestException> broken = violations(r, profile, limits);
        if (!broken.isEmpty()) throw broken.getFirst();
    }

    /** Every rule {@code r} breaks, in field order; empty when the request is valid. */
    public static List<InvalidRequestException> violations(GenerationRequest r, ModelProfile profile, GeneratorOptions limits) {
        List<InvalidRequestException> out = new ArrayList<>();
        if (r.prompt() == null || r.prompt().isBlank()) out.add(new InvalidRequestException("prompt", r.prompt(), "must not be empty"));
        size(out, "height", r.height(), profile.sizeMultipleHeight(), Math.min(limits.maxHeight(), profile.maxHeight()), limits.maxHeight() < profile.maxHeight());
        size(out, "width", r.width(), profile.sizeMultipleWidth(), Math.min(limits.maxWidth(), profile.maxWidth()), limits.maxWidth() < profile.maxWidth());
        int t = profile.temporalFactor();
        int maxFrames = Math.min(limits.maxFrames(), profile.maxFrames());
        if (r.numFrames() < 1 || (r.numFrames() - 1) % t != 0) {
            int lower = Math.max(1, Math.floorDiv(r.numFrames() - 1, t) * t + 1);
            out.add(new InvalidRequestException("numFrames", r.numFrames(), "must be " + t + "k+1 (1, " + (t + 1) + ", " + (2 * t + 1) + ", …, "
                    + (20 * t + 1) + ", …)" + nearest(lower, lower + t, 1, maxFrames)));
        } else if (r.numFrames() > maxFrames) {
            out.add(new InvalidRequestException("numFrames", r.numFrames(), "must be at most " + maxFrames
                    + (limits.maxFrames() < profile.maxFrames() ? "" : " (the transformer's rope_max_seq_len " + profile.ropeMaxSeqLen() + " covers no more)")));
        }
        if (r.numInferenceSteps() < 1) out.add(new InvalidRequestException("numInferenceSteps", r.numInferenceSteps(), "must be at least 1"));
        if (r.numInferenceSteps() > limits.maxSteps()) out.add(new InvalidRequestException("numInferenceSteps", r.numInferenceSteps(), "must be at most " + limits.maxSteps()));
        if (!(r.guidanceScale() >= 0) || Double.isInfinite(r.guidanceScale())) {
            out.add(new InvalidRequestException("guidanceScale", r.guidanceScale(), "must be a finite number ≥ 0"));
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
            int s = profile.spatialFactor();
            int[] want = {1, LatentPreparation.LATENT_CHANNELS, (r.numFrames() - 1) / t + 1, r.height() / s, r.width() / s};
            if (!Arrays.equals(r.latents().shape(), want)) {
                out.add(new InvalidRequestException("latents", Arrays.toString(r.latents().shape()), "must have shape " + Arrays.toString(want) + " for this size and frame count"));
            }
        }
        output(out, r);
        return out;
    }

    private static void size(List<InvalidRequestException> out, String field, int v, int multiple, int max, boolean limitedByServer) {
        if (v < multiple || v % multiple != 0) {
            int lower = v / multiple * multiple;
            out.add(new InvalidRequestException(field, v, "must be a positive multiple of " + multiple
                    + (v < multiple ? nearest(multiple, multiple, multiple, max) : nearest(lower, lower + multiple, multiple, max))));
        } else if (v > max) {
            out.add(new InvalidRequestException(field, v, "must be at most " + max + (limitedByServer ? "" : " (the transformer's rope_max_seq_len covers no more)")));
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
