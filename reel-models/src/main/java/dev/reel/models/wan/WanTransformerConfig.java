package dev.reel.models.wan;

import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;
import java.util.Arrays;

/**
 * The static parameters of a {@link WanTransformer3DModel}, as Diffusers writes them to
 * {@code transformer/config.json}: text-to-video, or Wan2.1 image-to-video with an image branch ({@code image_dim}
 * set: CLIP states are embedded and cross-attended through {@code add_k_proj}/{@code add_v_proj}).
 *
 * @param patchSize         (t, h, w) patch of the patch-embedding convolution
 * @param numAttentionHeads attention heads per layer
 * @param attentionHeadDim  channels per head; the model width is {@code heads · headDim}
 * @param inChannels        latent channels in
 * @param outChannels       latent channels out
 * @param textDim           width of the text encoder's hidden states
 * @param freqDim           width of the sinusoidal timestep embedding
 * @param ffnDim            hidden width of each block's feed-forward network
 * @param numLayers         number of transformer blocks
 * @param crossAttnNorm     whether the cross-attention input is layer-normed (affine)
 * @param eps               epsilon of every norm
 * @param ropeMaxSeqLen     positions the rotary tables cover per axis
 * @param imageDim          width of the image encoder's states ({@code image_dim}), 0 without an image branch
 * @param addedKvProjDim    input width of the cross-attentions' image key/value projections, 0 without them
 * @param posEmbedSeqLen    image tokens of the learned image position embedding ({@code pos_embed_seq_len}: two
 *                          images' tokens for first-and-last-frame models), 0 without one
 */
public record WanTransformerConfig(int[] patchSize, int numAttentionHeads, int attentionHeadDim, int inChannels,
                                   int outChannels, int textDim, int freqDim, int ffnDim, int numLayers,
                                   boolean crossAttnNorm, double eps, int ropeMaxSeqLen, int imageDim, int addedKvProjDim,
                                   int posEmbedSeqLen) {

    /** The only query/key normalisation Wan2.1 uses (and the one the model implements). */
    public static final String QK_NORM = "rms_norm_across_heads";

    public WanTransformerConfig {
        patchSize = patchSize.clone();
        if (patchSize.length != 3) throw new ConfigException("patch_size must have 3 entries (t, h, w), got " + Arrays.toString(patchSize));
        for (int p : patchSize) if (p <= 0) throw new ConfigException("patch_size entries must be positive, got " + Arrays.toString(patchSize));
        positive("num_attention_heads", numAttentionHeads);
        positive("attention_head_dim", attentionHeadDim);
        if (attentionHeadDim % 2 != 0) throw new ConfigException("attention_head_dim must be even for rotary embedding, got " + attentionHeadDim);
        positive("in_channels", inChannels);
        positive("out_channels", outChannels);
        positive("text_dim", textDim);
        positive("freq_dim", freqDim);
        positive("ffn_dim", ffnDim);
        positive("num_layers", numLayers);
        positive("rope_max_seq_len", ropeMaxSeqLen);
        if (!(eps > 0)) throw new ConfigException("eps must be positive, got " + eps);
        if (imageDim < 0 || addedKvProjDim < 0 || posEmbedSeqLen < 0) {
            throw new ConfigException("image_dim, added_kv_proj_dim and pos_embed_seq_len must be positive when set, got "
                    + imageDim + ", " + addedKvProjDim + ", " + posEmbedSeqLen);
        }
        if (imageDim > 0 && addedKvProjDim != numAttentionHeads * attentionHeadDim) {
            // the image embedder maps image_dim to the model width, which is what add_k_proj/add_v_proj read
            throw new ConfigException("added_kv_proj_dim must equal the model width " + numAttentionHeads * attentionHeadDim
                    + " when image_dim is set, got " + addedKvProjDim);
        }
        if (imageDim == 0 && (addedKvProjDim > 0 || posEmbedSeqLen > 0)) {
            throw new ConfigException("added_kv_proj_dim and pos_embed_seq_len need image_dim (the image branch), which is not set");
        }
    }

    /** A text-to-video config (no image branch). */
    public WanTransformerConfig(int[] patchSize, int numAttentionHeads, int attentionHeadDim, int inChannels, int outChannels,
                                int textDim, int freqDim, int ffnDim, int numLayers, boolean crossAttnNorm, double eps, int ropeMaxSeqLen) {
        this(patchSize, numAttentionHeads, attentionHeadDim, inChannels, outChannels, textDim, freqDim, ffnDim, numLayers,
                crossAttnNorm, eps, ropeMaxSeqLen, 0, 0, 0);
    }

    /** Reads a Diffusers {@code WanTransformer3DModel} config; missing required keys throw {@link ConfigException}. */
    public static WanTransformerConfig fromConfig(ConfigJson c) {
        String qkNorm = c.getString("qk_norm", QK_NORM);
        if (!qkNorm.equals(QK_NORM)) throw new ConfigException(c.source() + ": qk_norm \"" + qkNorm + "\" is not supported; expected \"" + QK_NORM + "\"");
        int in = c.getInt("in_channels");
        var config = new WanTransformerConfig(
                c.getIntArray("patch_size"),
                c.getInt("num_attention_heads"),
                c.getInt("attention_head_dim"),
                in,
                c.getInt("out_channels", in),
                c.getInt("text_dim"),
                c.getInt("freq_dim", 256),
                c.getInt("ffn_dim"),
                c.getInt("num_layers"),
                c.getBoolean("cross_attn_norm", true),
                c.getDouble("eps", 1e-6),
                c.getInt("rope_max_seq_len", 1024),
                c.getInt("image_dim", 0),
                c.getInt("added_kv_proj_dim", 0),
                c.getInt("pos_embed_seq_len", 0));
        c.logUnknownKeys();
        return config;
    }

    /** Model width: {@code numAttentionHeads · attentionHeadDim}. */
    public int innerDim() { return numAttentionHeads * attentionHeadDim; }

    /** True if the model has the image branch (Wan2.1 image-to-video): it takes CLIP states beside the text. */
    public boolean hasImageBranch() { return imageDim > 0; }

    /**
     * Images per sample the image branch takes: 2 (first and last frame) with a learned position embedding over two
     * images' tokens, else 1; 0 without an image branch.
     */
    public int imagesPerSample() { return imageDim == 0 ? 0 : posEmbedSeqLen > 0 ? 2 : 1; }

    /** Latent positions in one patch: {@code pt · ph · pw}. */
    public int patchVolume() { return patchSize[0] * patchSize[1] * patchSize[2]; }

    @Override public int[] patchSize() { return patchSize.clone(); }

    @Override public boolean equals(Object o) {
        return o instanceof WanTransformerConfig w && Arrays.equals(patchSize, w.patchSize)
                && numAttentionHeads == w.numAttentionHeads && attentionHeadDim == w.attentionHeadDim
                && inChannels == w.inChannels && outChannels == w.outChannels && textDim == w.textDim
                && freqDim == w.freqDim && ffnDim == w.ffnDim && numLayers == w.numLayers
                && crossAttnNorm == w.crossAttnNorm && eps == w.eps && ropeMaxSeqLen == w.ropeMaxSeqLen
                && imageDim == w.imageDim && addedKvProjDim == w.addedKvProjDim && posEmbedSeqLen == w.posEmbedSeqLen;
    }

    @Override public int hashCode() {
        return Arrays.hashCode(patchSize) * 31 + java.util.Objects.hash(numAttentionHeads, attentionHeadDim, inChannels,
                outChannels, textDim, freqDim, ffnDim, numLayers, crossAttnNorm, eps, ropeMaxSeqLen, imageDim, addedKvProjDim, posEmbedSeqLen);
    }

    @Override public String toString() {
        return "WanTransformerConfig[patchSize=" + Arrays.toString(patchSize) + ", heads=" + numAttentionHeads
                + ", headDim=" + attentionHeadDim + ", in=" + inChannels + ", out=" + outChannels + ", textDim=" + textDim
                + ", freqDim=" + freqDim + ", ffnDim=" + ffnDim + ", layers=" + numLayers + ", crossAttnNorm="
                + crossAttnNorm + ", eps=" + eps + ", ropeMaxSeqLen=" + ropeMaxSeqLen
                + (imageDim > 0 ? ", imageDim=" + imageDim + ", addedKvProjDim=" + addedKvProjDim + ", posEmbedSeqLen=" + posEmbedSeqLen : "") + "]";
    }

    private static void positive(String key, int v) {
        if (v <= 0) throw new ConfigException(key + " must be positive, got " + v);
    }
}
