package dev.reel.pipeline;

import dev.reel.models.loader.ModelIndex;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a pipeline folder's configs say about requests, read in milliseconds without touching a weight: its
 * {@link VideoGeometry} (the shape rules) and its recommended request defaults. Every entry point (CLI, Java API,
 * server) takes its defaults from here, so one request gives one video wherever it is sent, and checks a request
 * against it before loading anything.
 *
 * <p>Defaults: Diffusers' {@code WanPipeline} call defaults (480×832, 81 frames, 50 steps, guidance 5.0, 16 fps,
 * 512 text tokens), overridden by an optional {@value #DEFAULTS_FILE} in the folder holding any of
 * {@code height, width, num_frames, num_inference_steps, guidance_scale, guidance_scale_2, fps,
 * flow_shift, max_sequence_length, negative_prompt} (Diffusers' argument names), and Reel's {@code example_prompts}:
 * prompts the model knows, which the server's web page suggests. The demo model carries one with its small sizes
 * and examples.
 *
 * @param dir            the pipeline folder
 * @param defaults       the recommended request (prompt empty)
 * @param geometry       how the model maps pixels to latents and tokens
 * @param task           what it generates from what (text, a first frame, a first and a last frame)
 * @param experts        denoising experts: 2 for Wan2.2 A14B ({@code boundary_ratio} in {@code model_index.json}), else 1
 * @param examplePrompts prompts to suggest (none when the file names none)
 */
public record ModelProfile(Path dir, GenerationRequest defaults, VideoGeometry geometry, ModelTask task, int experts, List<String> examplePrompts) {
    /** The optional file of recommended request defaults in a pipeline folder. */
    public static final String DEFAULTS_FILE = "reel_defaults.json";
    /** Wan2.2 TI2V-5B's frame rate ({@code sample_fps}). */
    static final int TI2V_FPS = 24;
    /** Wan2.2 TI2V-5B's flow-matching shift ({@code sample_shift}). */
    static final double TI2V_FLOW_SHIFT = 5.0;

    public ModelProfile {
        examplePrompts = List.copyOf(examplePrompts);
    }

    /** Reads {@code dir}'s configs ({@link VideoGeometry#read}) and {@value #DEFAULTS_FILE} if present. */
    public static ModelProfile read(Path dir) {
        ModelIndex index = ModelIndex.read(dir);
        Path file = dir.resolve(DEFAULTS_FILE);
        ConfigJson c = Files.isRegularFile(file) ? ConfigJson.read(file) : null;
        List<String> examples = c != null && c.has("example_prompts") ? examples(c) : List.of();
        GenerationRequest defaults = defaults(index, c);
        if (c != null) c.logUnknownKeys();
        return new ModelProfile(dir, defaults, VideoGeometry.read(dir), ModelTask.read(dir), index.boundaryRatio() == null ? 1 : 2, examples);
    }

    private static List<String> examples(ConfigJson c) {
        List<String> list = c.getStringList("example_prompts");
        for (String s : list) {
            if (s.isBlank()) throw new ConfigException(c.source() + ": key \"example_prompts\" holds an empty prompt");
        }
        return list;
    }

    /**
     * Diffusers' call defaults, then the model's own where its authors recommend others (Wan2.2 TI2V-5B, told by
     * {@code expand_timesteps}: 24 fps and flow shift 5, the Wan2.2 repository's {@code ti2v_5B} settings), then the
     * folder's {@value #DEFAULTS_FILE} ({@code c}, or null).
     */
    private static GenerationRequest defaults(ModelIndex index, ConfigJson c) {
        GenerationRequest.Builder b = GenerationRequest.builder("");
        if (index.expandTimesteps()) b.fps(TI2V_FPS).flowShift(TI2V_FLOW_SHIFT);
        if (c == null) return b.build();
        if (c.has("height")) b.height(c.getInt("height"));
        if (c.has("width")) b.width(c.getInt("width"));
        if (c.has("num_frames")) b.numFrames(c.getInt("num_frames"));
        if (c.has("num_inference_steps")) b.numInferenceSteps(c.getInt("num_inference_steps"));
        if (c.has("guidance_scale")) b.guidanceScale(c.getDouble("guidance_scale"));
        if (c.has("guidance_scale_2")) b.guidanceScale2(c.getDouble("guidance_scale_2"));
        if (c.has("fps")) b.fps(c.getInt("fps"));
        if (c.has("flow_shift")) b.flowShift(c.getDouble("flow_shift"));
        if (c.has("max_sequence_length")) b.maxSequenceLength(c.getInt("max_sequence_length"));
        if (c.has("negative_prompt")) b.negativePrompt(c.getString("negative_prompt"));
        return b.build();
    }

    /** A request builder holding these defaults. */
    public GenerationRequest.Builder requestBuilder(String prompt) { return defaults.toBuilder().prompt(prompt); }

}
