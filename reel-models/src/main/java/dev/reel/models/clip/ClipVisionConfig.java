package dev.reel.models.clip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;

/**
 * The static parameters of a {@link ClipVisionModel}, as Transformers writes a {@code CLIPVisionConfig} to
 * {@code config.json} (flat for a {@code CLIPVisionModel}; under {@code vision_config} for a whole {@code CLIPModel}).
 *
 * @param hiddenSize        token width
 * @param intermediateSize  MLP hidden width
 * @param numHiddenLayers   encoder layers
 * @param numAttentionHeads heads per layer
 * @param imageSize         input side in pixels
 * @param patchSize         patch side in pixels; tokens = (imageSize / patchSize)² + 1 (the class token)
 * @param numChannels       input channels
 * @param hiddenAct         the MLP's activation
 * @param layerNormEps      epsilon of every layer norm
 */
public record ClipVisionConfig(int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads, int imageSize,
                               int patchSize, int numChannels, ClipActivation hiddenAct, double layerNormEps) {
    public ClipVisionConfig {
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("image_size", imageSize);
        positive("patch_size", patchSize);
        positive("num_channels", numChannels);
        if (hiddenSize % numAttentionHeads != 0) throw new ConfigException("hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numAttentionHeads);
        if (imageSize % patchSize != 0) throw new ConfigException("image_size " + imageSize + " is not divisible by patch_size " + patchSize);
        if (!(layerNormEps > 0)) throw new ConfigException("layer_norm_eps must be positive, got " + layerNormEps);
    }

    /** Reads a {@code CLIPVisionConfig} (or the {@code vision_config} of a {@code CLIPConfig}); Transformers' defaults fill the rest. */
    public static ClipVisionConfig fromConfig(ConfigJson c) {
        JsonNode nested = c.node("vision_config");
        ConfigJson v = nested != null && nested.isObject() ? ConfigJson.of(c.source() + " vision_config", nested) : c;
        var config = new ClipVisionConfig(v.getInt("hidden_size", 768), v.getInt("intermediate_size", 3072),
                v.getInt("num_hidden_layers", 12), v.getInt("num_attention_heads", 12), v.getInt("image_size", 224),
                v.getInt("patch_size", 32), v.getInt("num_channels", 3), ClipActivation.of(v.source(), v.getString("hidden_act", "quick_gelu")),
                v.getDouble("layer_norm_eps", 1e-5));
        v.logUnknownKeys();
        return config;
    }

    /** Patches per side. */
    public int gridSize() { return imageSize / patchSize; }

    /** Tokens per image: the patches and the class token (257 for ViT-H/14 at 224). */
    public int numPositions() { return gridSize() * gridSize() + 1; }

    /** Channels per head. */
    public int headDim() { return hiddenSize / numAttentionHeads; }

    private static void positive(String key, int v) {
        if (v <= 0) throw new ConfigException(key + " must be positive, got " + v);
    }
}
