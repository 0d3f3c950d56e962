package dev.reel.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reel.core.Backend;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.models.clip.ClipImageProcessor;
import dev.reel.models.clip.ClipVisionModel;
import dev.reel.models.image.RgbImage;
import dev.reel.models.image.VaeImageProcessor;
import dev.reel.models.loader.PipelineComponents;
import dev.reel.core.DType;
import dev.reel.models.loader.TokenizerFolder;
import dev.reel.models.nn.ConfigJson;
import dev.reel.models.schedulers.NoiseScheduler;
import dev.reel.models.schedulers.Schedulers;
import dev.reel.models.t5.T5Tokenizer;
import dev.reel.models.t5.UMT5EncoderModel;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.models.nn.DitHooks;
import dev.reel.models.wan.DiagonalGaussian;
import dev.reel.models.wan.FrameTimesteps;
import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.OutputFormat;
import dev.reel.pipeline.ProgressListener;
import dev.reel.pipeline.CancellationToken;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.pipeline.stages.PipelineState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs the cases of a reference fixture set (layout in {@code fixtures/README.md}) through Reel and compares
 * every output with its reference: shapes first, then ‖out − ref‖/‖ref‖ against the case's {@code rtol} (token
 * ids exactly), with the largest absolute difference and where it is (the frame, for videos and latents). A
 * case that compares no output fails.
 * A case's kind comes from its name ({@code tokenizer}, {@code text_encoder}, {@code transformer},
 * {@code vae_decode}, {@code vae_encode}, {@code scheduler_*}, {@code pipeline}, and for image-to-video sets
 * {@code image_processor}, {@code video_processor}, {@code image_encoder*}); sizes, prompts and step counts
 * all come from the set, so any set with this layout runs.
 */
public final class ParityRunner implements AutoCloseable {
    /** The frame axis of latents {@code [B, C, T, H, W]} and of videos {@code [B, 3, T, H, W]}. */
    private static final int LATENT_FRAMES = 2, VIDEO_FRAMES = 2;
    /** What a pipeline case can compare. */
    private static final List<String> PIPELINE_OUTPUTS = List.of("prompt_embeds", "negative_prompt_embeds", "image_embeds", "condition", "first_frame_latent",
            "step_latents", "final_latents", "frames");

    private final FixtureSet set;
    private final GeneratorOptions options;
    private final Double rtolOverride;
    private VideoGenerator generator;

    /**
     * @param rtolOverride replaces every case's {@code rtol} (e.g. looser for bf16 runs); null keeps the manifest's
     */
    public ParityRunner(FixtureSet set, GeneratorOptions options, Double rtolOverride) {
        this.set = set;
        this.options = options;
        this.rtolOverride = rtolOverride;
    }

    /** Runs every case in manifest order, handing each check to {@code sink} as soon as it is known. */
    public List<ParityCheck> runAll(Consumer<ParityCheck> sink) {
        List<ParityCheck> all = new ArrayList<>();
        for (String c : set.caseNames()) {
            for (ParityCheck p : run(c)) {
                sink.accept(p);
                all.add(p);
            }
        }
        return all;
    }

    /** Runs one case; a case that cannot run yields one failed check saying why. */
    public List<ParityCheck> run(String caseName) {
        List<ParityCheck> out = new ArrayList<>();
        try (Scope scope = Scope.open()) {
            Case c = new Case(caseName, out);
            if (caseName.startsWith("tokenizer")) tokenizer(c);
            else if (caseName.startsWith("text_encoder")) textEncoder(c);
            else if (caseName.startsWith("transformer")) transformer(c);
            else if (caseName.startsWith("vae_decode")) vaeDecode(c);
            else if (caseName.startsWith("vae_encode")) vaeEncode(c);
            else if (caseName.startsWith("scheduler")) scheduler(c);
            else if (caseName.startsWith("pipeline")) pipeline(c);
            else if (caseName.startsWith("image_processor")) imageProcessor(c);
            else if (caseName.startsWith("video_processor")) videoProcessor(c);
            else if (caseName.startsWith("image_encoder")) imageEncoder(c);
            else out.add(ParityCheck.failed(caseName, "unknown case kind (known: tokenizer, text_encoder, transformer, vae_decode, vae_encode, scheduler_*, pipeline, "
                    + "image_processor, video_processor, image_encoder*)"));
        } catch (RuntimeException e) {
            out.add(ParityCheck.failed(caseName, e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
        if (out.isEmpty()) out.add(ParityCheck.failed(caseName, "the case compared no output: its reference file holds none of the outputs it checks"));
        return out;
    }

    /** The checks of one case being collected. */
    private final class Case {
        final String name;
        final List<ParityCheck> out;
        final JsonNode config;

        Case(String name, List<ParityCheck> out) {
            this.name = name;
            this.out = out;
            this.config = set.caseConfig(name);
        }

        Tensor ref(String key) { return set.tensor(name, key); }

        boolean has(String key) { return set.keys(name).contains(key); }

        double rtol() { return rtolOverride != null ? rtolOverride : set.rtol(name); }

        /** Compares a tensor output whose frame axis (-1: none) names the worst place. */
        void compare(String output, Tensor got, Tensor ref, int frameAxis) { compare(output, got.toFloatArray(), got.shape(), ref, rtol(), frameAxis); }

        void compare(String output, float[] got, int[] shape, Tensor ref, double tol, int frameAxis) {
            if (!Arrays.equals(shape, ref.shape())) {
                out.add(ParityCheck.failed(name, output, tol, "Reel's shape " + Arrays.toString(shape) + " differs from the reference's " + Arrays.toString(ref.shape())));
                return;
            }
            Compare.Difference d = Compare.difference(got, ref.toFloatArray(), shape);
            out.add(new ParityCheck(name, output, d.relErr(), d.maxAbs(), d.maxAbs() == 0 ? "" : where(d.worstIndex(), frameAxis), tol, null));
        }
    }

    /** {@code "frame 3 [0, 3, 17, 5]"} when the output has a frame axis, else the index alone. */
    private static String where(int[] index, int frameAxis) {
        String at = Arrays.toString(index);
        return frameAxis >= 0 && frameAxis < index.length ? "frame " + index[frameAxis] + " " + at : at;
    }

    private VideoGenerator generator() {
        if (generator == null) generator = VideoGenerator.fromPretrained(set.pipelineDir(), options);
        return generator;
    }

    private PipelineComponents components() { return generator().components(); }

    private Backend backend() { return options.backend(); }

    private Tensor onDevice(Tensor hostRef) { return backend().copyFrom(hostRef); }

    private void tokenizer(Case c) {
        List<String> prompts = new ArrayList<>();
        for (JsonNode p : c.config.get("prompts")) prompts.add(p.textValue());
        int maxLength = c.config.get("max_length").intValue();
        T5Tokenizer.Encoding enc = components().get("tokenizer", TokenizerFolder.class).forLength(maxLength).encode(prompts);
        int[] shape = {enc.batch(), enc.length()};
        c.compare("input_ids", toFloats(enc.ids()), shape, c.ref("input_ids"), 0, -1);
        c.compare("attention_mask", toFloats(enc.mask()), shape, c.ref("attention_mask"), 0, -1);
    }

    private void textEncoder(Case c) {
        UMT5EncoderModel encoder = components().get("text_encoder", UMT5EncoderModel.class);
        T5Tokenizer.Encoding enc = new T5Tokenizer.Encoding(toLongs(c.ref("input_ids")), toLongs(c.ref("attention_mask")));
        c.compare("last_hidden_state", encoder.forward(enc), c.ref("last_hidden_state"), -1);
    }

    /**
     * One forward of the case's {@code component} (default {@code transformer}; {@code transformer_2} for Wan2.2
     * A14B's low-noise expert); a {@code timestep} of {@code [B, tokens]} is Diffusers' per-token form (Wan2.2 TI2V).
     */
    private void transformer(Case c) {
        String slot = c.config.path("component").asText("transformer");
        Tensor hidden = onDevice(c.ref("hidden_states")), text = onDevice(c.ref("encoder_hidden_states"));
        Tensor image = c.has("encoder_hidden_states_image") ? onDevice(c.ref("encoder_hidden_states_image")) : null;
        Tensor timestep = c.ref("timestep");
        // through the generator: an expert of a pair is parked in host memory between its runs of steps
        Tensor sample = generator().withTransformer(slot, t -> {
            if (timestep.rank() == 2) {
                int[] p = t.config().patchSize();
                int tokensPerFrame = hidden.size(3) / p[1] * (hidden.size(4) / p[2]);
                return t.forward(hidden, FrameTimesteps.fromPerToken(rows(timestep), tokensPerFrame), text, DitHooks.NONE);
            }
            return t.forward(hidden, timestep.toFloatArray(), text, image, DitHooks.NONE);
        });
        c.compare("sample", sample, c.ref("sample"), LATENT_FRAMES);
    }

    private static float[][] rows(Tensor t) {
        float[] f = t.toFloatArray();
        int cols = t.size(1);
        float[][] out = new float[t.size(0)][];
        for (int i = 0; i < out.length; i++) out[i] = Arrays.copyOfRange(f, i * cols, (i + 1) * cols);
        return out;
    }

    /** A picture the case names in its {@code images} (relative to the set). */
    private RgbImage image(String relative) { return RgbImage.read(set.root().resolve(relative), Long.MAX_VALUE); }

    private void imageProcessor(Case c) {
        ClipImageProcessor p = components().get("image_processor", ClipImageProcessor.class);
        // Transformers' PIL backend when the set has it (v5), else the processor itself (the PIL/NumPy one)
        String prefix = set.keys(c.name).stream().anyMatch(k -> k.startsWith("pixel_values_pil.")) ? "pixel_values_pil." : "pixel_values.";
        c.config.get("images").properties().forEach(e ->
                c.compare(prefix + e.getKey(), p.process(List.of(image(e.getValue().textValue())), backend()), c.ref(prefix + e.getKey()), -1));
    }

    private void videoProcessor(Case c) {
        int h = c.config.get("height").intValue(), w = c.config.get("width").intValue();
        c.config.get("images").properties().forEach(e ->
                c.compare("pixels." + e.getKey(), VaeImageProcessor.defaults().preprocess(image(e.getValue().textValue()), h, w, backend()), c.ref("pixels." + e.getKey()), -1));
    }

    private void imageEncoder(Case c) {
        ClipVisionModel m = ClipVisionModel.load(set.root().resolve(c.config.get("model").textValue()), DType.F32, backend());
        ClipVisionModel.Output o = m.forward(onDevice(c.ref("pixel_values")));
        c.compare("penultimate_hidden_states", o.penultimateHiddenStates(), c.ref("penultimate_hidden_states"), -1);
        c.compare("last_hidden_state", o.lastHiddenState(), c.ref("last_hidden_state"), -1);
        c.compare("pooler_output", o.pooled(), c.ref("pooler_output"), -1);
    }

    private void vaeDecode(Case c) {
        AutoencoderKLWan vae = components().get("vae", AutoencoderKLWan.class);
        c.compare("video", vae.decode(onDevice(c.ref("z"))), c.ref("video"), VIDEO_FRAMES);
    }

    private void vaeEncode(Case c) {
        AutoencoderKLWan vae = components().get("vae", AutoencoderKLWan.class);
        DiagonalGaussian d = vae.encode(onDevice(c.ref("video")));
        c.compare("mean", d.mean(), c.ref("mean"), LATENT_FRAMES);
        c.compare("logvar", d.logvar(), c.ref("logvar"), LATENT_FRAMES);
    }

    private void scheduler(Case c) {
        ConfigJson cfg = ConfigJson.of(set.file(c.name) + " (manifest config)", c.config.get("config"));
        String cls = c.name.contains("unipc") ? "UniPCMultistepScheduler"
                : c.name.contains("euler") ? "FlowMatchEulerDiscreteScheduler"
                : cfg.has("solver_order") ? "UniPCMultistepScheduler" : "FlowMatchEulerDiscreteScheduler";
        NoiseScheduler s = Schedulers.fromConfig(cls, cfg, null);
        int steps = c.config.get("num_inference_steps").intValue();
        s.setTimesteps(steps);
        c.compare("timesteps", toFloats(s.timesteps()), new int[] {s.timesteps().length}, c.ref("timesteps"), c.rtol(), -1);
        c.compare("sigmas", toFloats(s.sigmas()), new int[] {s.sigmas().length}, c.ref("sigmas"), c.rtol(), -1);
        Tensor outputs = onDevice(c.ref("model_outputs"));
        Tensor refs = c.ref("samples");
        Tensor sample = onDevice(c.ref("initial_sample"));
        for (int i = 0; i < steps; i++) {
            sample = s.step(outputs.select(0, i), i, sample);
            c.compare("samples[" + i + "]", sample, refs.select(0, i), LATENT_FRAMES);
        }
    }

    private void pipeline(Case c) {
        Set<String> keys = set.keys(c.name);
        if (PIPELINE_OUTPUTS.stream().noneMatch(keys::contains)) {
            c.out.add(ParityCheck.failed(c.name, "the reference file holds none of the pipeline's outputs " + PIPELINE_OUTPUTS + "; it has " + keys));
            return;
        }
        JsonNode m = c.config;
        GenerationRequest.Builder b = GenerationRequest.builder(m.get("prompt").textValue())
                .negativePrompt(m.path("negative_prompt").asText(""))
                .size(m.get("height").intValue(), m.get("width").intValue())
                .numFrames(m.get("num_frames").intValue())
                .numInferenceSteps(m.get("num_inference_steps").intValue())
                .guidanceScale(m.get("guidance_scale").doubleValue())
                .outputFormat(OutputFormat.NONE);
        if (m.has("max_sequence_length")) b.maxSequenceLength(m.get("max_sequence_length").intValue());
        if (m.has("guidance_scale_2")) b.guidanceScale2(m.get("guidance_scale_2").doubleValue());
        if (c.has("initial_latents")) b.latents(c.ref("initial_latents"));
        else if (m.has("seed")) b.seed(m.get("seed").longValue());
        if (m.has("image")) b.image(image(m.get("image").textValue()));
        if (m.has("last_image")) b.lastImage(image(m.get("last_image").textValue()));
        PipelineState s = generator().run(b.build(), ProgressListener.NONE, new CancellationToken(), true);
        if (keys.contains("prompt_embeds")) c.compare("prompt_embeds", s.promptEmbeds, c.ref("prompt_embeds"), -1);
        if (keys.contains("negative_prompt_embeds")) {
            if (s.negativePromptEmbeds == null) c.out.add(ParityCheck.failed(c.name, "negative_prompt_embeds", c.rtol(), "guidance is off, no negative embeddings were computed"));
            else c.compare("negative_prompt_embeds", s.negativePromptEmbeds, c.ref("negative_prompt_embeds"), -1);
        }
        if (keys.contains("image_embeds")) {
            if (s.imageEmbeds == null) c.out.add(ParityCheck.failed(c.name, "image_embeds", c.rtol(), "Reel encoded no image (is the model image-to-video?)"));
            else c.compare("image_embeds", s.imageEmbeds, c.ref("image_embeds"), -1);
        }
        if (keys.contains("condition")) {
            if (s.condition == null) c.out.add(ParityCheck.failed(c.name, "condition", c.rtol(), "Reel made no image condition (is the model image-to-video?)"));
            else c.compare("condition", s.condition, c.ref("condition"), LATENT_FRAMES);
        }
        if (keys.contains("step_latents")) {
            Tensor steps = c.ref("step_latents");
            for (int i = 0; i < steps.size(0); i++) {
                if (i >= s.stepLatents.size()) {
                    c.out.add(ParityCheck.failed(c.name, "step_latents[" + i + "]", c.rtol(), "Reel ran only " + s.stepLatents.size() + " steps"));
                    continue;
                }
                c.compare("step_latents[" + i + "]", s.stepLatents.get(i), s.latents.shape(), steps.select(0, i), c.rtol(), LATENT_FRAMES);
            }
        }
        if (keys.contains("first_frame_latent")) {
            if (s.firstFrameLatent == null) c.out.add(ParityCheck.failed(c.name, "first_frame_latent", c.rtol(), "Reel made no first-frame latent (is the model Wan2.2 TI2V?)"));
            else c.compare("first_frame_latent", s.firstFrameLatent, c.ref("first_frame_latent"), LATENT_FRAMES);
        }
        if (keys.contains("final_latents")) c.compare("final_latents", s.latents, c.ref("final_latents"), LATENT_FRAMES);
        if (keys.contains("frames")) {
            c.compare("frames", s.frames.rgb(), new int[] {s.frames.count(), s.frames.height(), s.frames.width(), 3}, c.ref("frames"), c.rtol(), 0);
        }
    }

    private static float[] toFloats(long[][] v) {
        int n = 0;
        for (long[] r : v) n += r.length;
        float[] out = new float[n];
        int k = 0;
        for (long[] r : v) for (long x : r) out[k++] = x;
        return out;
    }

    private static float[] toFloats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) v[i];
        return out;
    }

    private static long[][] toLongs(Tensor t) {
        int rows = t.size(0), cols = t.size(1);
        float[] f = t.toFloatArray();
        long[][] out = new long[rows][cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) out[i][j] = (long) f[i * cols + j];
        return out;
    }

    @Override public void close() {
        if (generator != null) generator.close();
    }
}
