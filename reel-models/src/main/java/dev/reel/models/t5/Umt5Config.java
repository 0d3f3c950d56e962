package dev.reel.models.t5;

import dev.reel.core.Backend;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;
import java.nio.file.Path;

/**
 * The static parameters of a {@link UMT5EncoderModel}, as Transformers writes them to {@code config.json}
 * ({@code model_type} "umt5", {@code architectures} ["UMT5EncoderModel"]).
 *
 * @param vocabSize                    rows of the shared token embedding
 * @param dModel                       model width
 * @param dKv                          channels per attention head (inner width {@code numHeads · dKv})
 * @param dFf                          hidden width of the feed-forward network
 * @param numLayers                    encoder blocks
 * @param numHeads                     attention heads
 * @param relativeAttentionNumBuckets  relative-position buckets (half per direction)
 * @param relativeAttentionMaxDistance distance from which all positions share the last bucket
 * @param layerNormEpsilon             epsilon of every RMS norm
 * @param activation                   the feed-forward activation ({@code dense_act_fn})
 */
public record Umt5Config(int vocabSize, int dModel, int dKv, int dFf, int numLayers, int numHeads,
                         int relativeAttentionNumBuckets, int relativeAttentionMaxDistance, double layerNormEpsilon,
                         Backend.Unary activation) {

    public Umt5Config {
        positive("vocab_size", vocabSize);
        positive("d_model", dModel);
        positive("d_kv", dKv);
        positive("d_ff", dFf);
        positive("num_layers", numLayers);
        positive("num_heads", numHeads);
        if (relativeAttentionNumBuckets < 4) throw new ConfigException("relative_attention_num_buckets must be at least 4, got " + relativeAttentionNumBuckets);
        if (relativeAttentionMaxDistance <= relativeAttentionNumBuckets / 4) throw new ConfigException("relative_attention_max_distance must exceed num_buckets/4 (" + relativeAttentionNumBuckets / 4 + "), got " + relativeAttentionMaxDistance);
        if (!(layerNormEpsilon > 0)) throw new ConfigException("layer_norm_epsilon must be positive, got " + layerNormEpsilon);
    }

    private static void positive(String key, int v) {
        if (v <= 0) throw new ConfigException(key + " must be positive, got " + v);
    }

    /** Reads {@code config.json} (a file, or a folder holding one). */
    public static Umt5Config read(Path path) {
        return fromConfig(ConfigJson.read(path.toFile().isDirectory() ? path.resolve("config.json") : path));
    }

    /**
     * Reads a Transformers UMT5 config. As Transformers does, {@code feed_forward_proj} ("gated-gelu" by default)
     * gives the activation and gating unless {@code dense_act_fn} / {@code is_gated_act} are stored; only gated
     * feed-forward networks (every UMT5 checkpoint) are supported.
     */
    public static Umt5Config fromConfig(ConfigJson c) {
        String type = c.getString("model_type", "umt5");
        if (!type.equals("umt5")) throw new ConfigException(c.source() + ": model_type \"" + type + "\" is not \"umt5\" (T5 shares one position bias across layers; UMT5 has one per layer)");
        if (c.getBoolean("is_decoder", false)) throw new ConfigException(c.source() + ": \"is_decoder\": true; UMT5EncoderModel is the encoder");
        String ffProj = c.getString("feed_forward_proj", "gated-gelu");
        String[] parts = ffProj.split("-");
        boolean gated = c.getBoolean("is_gated_act", parts[0].equals("gated"));
        String act = c.getString("dense_act_fn", ffProj.equals("gated-gelu") ? "gelu_new" : parts[parts.length - 1]);
        if (!gated) throw new ConfigException(c.source() + ": non-gated feed-forward (\"feed_forward_proj\": \"" + ffProj + "\") is not supported; UMT5 uses gated-gelu");
        Backend.Unary activation = switch (act) {
            case "gelu_new", "gelu_pytorch_tanh" -> Backend.Unary.GELU_TANH;
            case "gelu" -> Backend.Unary.GELU_ERF;
            case "relu" -> Backend.Unary.RELU;
            case "silu", "swish" -> Backend.Unary.SILU;
            default -> throw new ConfigException(c.source() + ": \"dense_act_fn\": \"" + act + "\" is not supported (gelu_new, gelu, relu, silu)");
        };
        Umt5Config config = new Umt5Config(
                c.getInt("vocab_size"),
                c.getInt("d_model"),
                c.getInt("d_kv"),
                c.getInt("d_ff"),
                c.getInt("num_layers"),
                c.getInt("num_heads"),
                c.getInt("relative_attention_num_buckets", 32),
                c.getInt("relative_attention_max_distance", 128),
                c.getDouble("layer_norm_epsilon", 1e-6),
                activation);
        c.logUnknownKeys();
        return config;
    }

    /** Width of the concatenated heads, {@code numHeads · dKv}. */
    public int innerDim() { return numHeads * dKv; }
}
