package dev.reel.models.clip;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import dev.reel.models.nn.ConfigJson;
import dev.reel.models.nn.Module;
import dev.reel.models.nn.SafetensorsWeights;
import dev.reel.models.nn.WeightSource;
import dev.reel.models.nn.Weights;
import java.nio.file.Path;
import java.util.Set;

/**
 * Transformers' {@code CLIPVisionModel}, the image encoder of Wan2.1 image-to-video (ViT-H/14: 32 layers of 1280,
 * 257 tokens at 224²). What the pipeline takes is {@link #penultimateHiddenStates} ({@code hidden_states[-2]}: the
 * input of the last layer), so the last layer is not run for it. Field names are the checkpoint keys
 * ({@code vision_model.encoder.layers.3.self_attn.q_proj.weight}).
 */
public final class ClipVisionModel extends Module {
    /** Stored keys Transformers ignores on load: the old position-id buffer, the projection of {@code CLIPVisionModelWithProjection}. */
    private static final Set<String> IGNORED = Set.of("vision_model.embeddings.position_ids", "visual_projection.weight");

    /** The top-level module's key prefix. */
    private static final String PREFIX = "vision_model.";

    /** {@code vision_model}. */
    public final ClipVisionTransformer visionModel;

    private final ClipVisionConfig config;

    /** Builds the module tree (no weights). */
    public ClipVisionModel(ClipVisionConfig config) {
        this.config = config;
        this.visionModel = child("vision_model", new ClipVisionTransformer(config));
    }

    /** Loads a Transformers folder: {@code config.json} plus {@code model.safetensors} (or a sharded index). */
    public static ClipVisionModel load(Path folder, DType dtype, Backend backend) {
        ClipVisionModel model = new ClipVisionModel(ClipVisionConfig.fromConfig(ConfigJson.read(folder.resolve("config.json"))));
        try (SafetensorsWeights weights = SafetensorsWeights.open(folder)) {
            model.loadWeights(weights, dtype, backend);
        }
        return model;
    }

    /** A model of {@code config} with seeded random weights. */
    public static ClipVisionModel random(ClipVisionConfig config, long seed, DType dtype, Backend backend) {
        ClipVisionModel model = new ClipVisionModel(config);
        Weights.random(model, seed, dtype, backend);
        return model;
    }

    /**
     * Loads every weight from {@code source} (keys Transformers ignores are skipped; all others checked together). Keys
     * may be stored with the {@code vision_model.} prefix (Transformers 4) or without it (Transformers 5), as
     * Transformers loads both.
     */
    public void loadWeights(WeightSource source, DType dtype, Backend backend) {
        boolean prefixed = source.keys().stream().anyMatch(k -> k.startsWith(PREFIX));
        WeightSource s = prefixed ? source : source.withPrefix(PREFIX);
        Weights.load(this, s.without(IGNORED::contains), dtype, backend);
    }

    public ClipVisionConfig config() { return config; }

    /** The dtype of the weights. */
    public DType dtype() { return visionModel.embeddings.patchEmbedding.weight.get().dtype(); }

    /** What the model returns for {@code output_hidden_states=True} that Reel uses. */
    public record Output(Tensor penultimateHiddenStates, Tensor lastHiddenState, Tensor pooled) {}

    /** Every output, all layers run. pixel values {@code [B, C, S, S]}. */
    public Output forward(Tensor pixelValues) {
        check(pixelValues);
        int n = config.numHiddenLayers();
        Tensor penultimate = visionModel.hiddenStates(pixelValues, n - 1);
        Tensor last = visionModel.encoder.layers.get(n - 1).forward(penultimate);
        return new Output(penultimate, last, visionModel.pooled(last));
    }

    /** {@code hidden_states[-2]} {@code [B, tokens, hidden]}: what Wan's pipeline conditions on. */
    public Tensor penultimateHiddenStates(Tensor pixelValues) {
        check(pixelValues);
        return visionModel.hiddenStates(pixelValues, config.numHiddenLayers() - 1);
    }

    private void check(Tensor px) {
        int[] s = px.shape();
        if (s.length != 4 || s[1] != config.numChannels() || s[2] != config.imageSize() || s[3] != config.imageSize()) {
            throw new ShapeException("ClipVisionModel", "pixel_values must be [B, " + config.numChannels() + ", " + config.imageSize() + ", "
                    + config.imageSize() + "], got " + ShapeException.fmt(s));
        }
    }
}
