package dev.reel.models.t5;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Half;
import dev.reel.core.Scope;
import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import dev.reel.models.nn.SafetensorsWeights;
import dev.reel.models.nn.Embedding;
import dev.reel.models.nn.Module;
import dev.reel.models.nn.WeightSource;
import dev.reel.models.nn.Weights;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * Transformers' {@code UMT5EncoderModel} (Wan's text encoder, umt5-xxl): token embedding {@code shared}, then
 * {@code encoder} — blocks of pre-norm self-attention with a per-layer relative-position bias and a gated-GELU
 * feed-forward network, each with a residual — and a final RMS norm. Returns {@code last_hidden_state}.
 *
 * <pre>{@code
 * var encoder = UMT5EncoderModel.load(pipelineDir.resolve("text_encoder"), DType.BF16, backend);
 * Tensor hidden = encoder.forward(tokens);          // [B, L, d_model]
 * }</pre>
 */
public final class UMT5EncoderModel extends Module {
    /** The checkpoint key of the token embedding; the encoder's {@code embed_tokens} is tied to it. */
    static final String SHARED = "shared.weight";
    /** The tied copy some checkpoints also (or only) store. */
    static final String EMBED_TOKENS = "encoder.embed_tokens.weight";
    /** Transformers' {@code UMT5PreTrainedModel._keep_in_fp32_modules}: the feed-forward output projections. */
    static final String KEEP_IN_FP32 = "wo";

    /** {@code [vocab_size, d_model]}. */
    public final Embedding shared;
    final Umt5Stack encoder;
    private final Umt5Config config;

    public UMT5EncoderModel(Umt5Config config) {
        this.config = config;
        shared = child("shared", new Embedding(config.vocabSize(), config.dModel()));
        encoder = child("encoder", new Umt5Stack(config));
    }

    public Umt5Config config() { return config; }

    /**
     * Loads a Transformers model folder ({@code config.json} plus {@code model.safetensors} or a sharded index)
     * as {@code dtype} onto {@code backend}'s device, {@code wo} kept fp32 as {@link #keepsWoInFp32} decides.
     * Every key is checked (see {@link Weights#load}); the token embedding is taken from {@code shared.weight} or,
     * if absent, its tied twin {@code encoder.embed_tokens.weight}.
     */
    public static UMT5EncoderModel load(Path folder, DType dtype, Backend backend) {
        return load(folder, dtype, keepsWoInFp32(dtype), backend);
    }

    /**
     * Loads as {@link #load(Path, DType, Backend)} with an explicit choice for {@code wo} (to measure what
     * keeping it fp32 buys): fp32 when {@code keepWoInFp32}, else {@code dtype} like every other weight.
     */
    public static UMT5EncoderModel load(Path folder, DType dtype, boolean keepWoInFp32, Backend backend) {
        UMT5EncoderModel model = new UMT5EncoderModel(Umt5Config.read(folder));
        try (SafetensorsWeights weights = SafetensorsWeights.open(folder)) {
            Weights.load(model, new TiedEmbedding(weights), key -> dtypeOf(key, dtype, keepWoInFp32), backend);
        }
        return model;
    }

    /** A model of {@code config} with seeded random weights (benchmarks at real size), {@code wo} as {@link #load} keeps it. */
    public static UMT5EncoderModel random(Umt5Config config, long seed, DType dtype, Backend backend) {
        UMT5EncoderModel model = new UMT5EncoderModel(config);
        boolean keep = keepsWoInFp32(dtype);
        Weights.random(model, seed, key -> dtypeOf(key, dtype, keep), backend);
        return model;
    }

    /**
     * Whether the feed-forward output projections {@code wo} stay fp32 when the encoder is loaded as
     * {@code dtype}: for both 16-bit dtypes. UMT5's {@code _keep_in_fp32_modules = ["wo"]} names them because
     * their activations overflow fp16 (Transformers issue 20287). Note that Transformers' {@code from_pretrained}
     * applies that list to fp16 loads only ({@code _get_dtype_plan}: bf16 honours
     * {@code _keep_in_fp32_modules_strict}, which UMT5 does not set), so its bf16 encoder computes {@code wo} in
     * bf16; Reel keeps it fp32 in bf16 too, for accuracy, at 2 bytes more per {@code wo} weight (about 2 GB on
     * UMT5-XXL: 24 × 4096 × 10240).
     */
    public static boolean keepsWoInFp32(DType dtype) {
        return dtype == DType.F16 || dtype == DType.BF16;
    }

    /** The dtype of the weight {@code key}: fp32 for a {@code wo} (a whole component of the key) when kept, else {@code dtype}. */
    static DType dtypeOf(String key, DType dtype, boolean keepWoInFp32) {
        if (keepWoInFp32) {
            for (String part : key.split("\\.")) if (part.equals(KEEP_IN_FP32)) return DType.F32;
        }
        return dtype;
    }

    /**
     * Encodes a batch of token ids, row-major {@code [batch, length]}, with its attention mask (1 = token,
     * 0 = padding; padded keys get the dtype's most negative value as additive bias, as the reference) →
     * {@code last_hidden_state [batch, length, d_model]} in the weights' dtype.
     */
    public Tensor forward(int[] inputIds, int[] attentionMask, int batch, int length) {
        if (inputIds.length != (long) batch * length || attentionMask.length != inputIds.length) {
            throw new ShapeException("UMT5EncoderModel", inputIds.length + " ids and " + attentionMask.length + " mask values for batch " + batch + " × length " + length);
        }
        Tensor weight = shared.weight.get();
        try (var scope = Scope.open()) {
            Tensor x = shared.forward(inputIds, batch, length);                  // [B, L, d_model]
            Tensor mask = weight.backend().fromFloats(maskBias(attentionMask, weight.dtype()), DType.F32, batch, 1, 1, length);
            return scope.keep(encoder.forward(x, mask));
        }
    }

    /** Encodes a tokenizer's output (ids and mask {@code [batch][length]}). */
    public Tensor forward(T5Tokenizer.Encoding tokens) {
        int b = tokens.batch(), len = tokens.length();
        int[] mask = new int[b * len];
        for (int i = 0; i < b; i++) for (int j = 0; j < len; j++) mask[i * len + j] = (int) tokens.mask()[i][j];
        return forward(tokens.flatIds(), mask, b, len);
    }

    /** {@code (1 − mask)·min(dtype)}: 0 for tokens (mask ≠ 0), the most negative finite value of the model's dtype for padding. */
    static float[] maskBias(int[] attentionMask, DType dtype) {
        float min = switch (dtype) {
            case BF16 -> Half.bf16ToFloat((short) 0xFF7F);
            case F16 -> -65504f;
            default -> -Float.MAX_VALUE;
        };
        float[] bias = new float[attentionMask.length];
        for (int i = 0; i < bias.length; i++) bias[i] = attentionMask[i] == 0 ? min : 0f;
        return bias;
    }

    /**
     * The checkpoint as the model sees it: {@code encoder.embed_tokens.weight} is the same tensor as
     * {@code shared.weight} (Transformers ties them), so it stands in for a missing {@code shared.weight} and is
     * otherwise ignored rather than reported as unexpected.
     */
    private record TiedEmbedding(WeightSource source) implements WeightSource {
        @Override public Set<String> keys() {
            Set<String> keys = new TreeSet<>(source.keys());
            if (keys.remove(EMBED_TOKENS)) keys.add(SHARED);
            return keys;
        }

        private String stored(String key) {
            return key.equals(SHARED) && !source.keys().contains(SHARED) ? EMBED_TOKENS : key;
        }

        @Override public int[] shape(String key) { return source.shape(stored(key)); }
        @Override public Tensor load(String key, DType dtype, Backend backend) { return source.load(stored(key), dtype, backend); }
        @Override public String describe() { return source.describe(); }
    }
}
