package dev.reel.models.t5;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.reel.core.ReelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The (U)MT5 tokenizer as the Wan pipeline calls the reference {@code T5TokenizerFast}:
 * {@code tokenizer(prompts, padding="max_length", max_length=N, truncation=True, add_special_tokens=True,
 * return_attention_mask=True)}. It runs the model's own {@code tokenizer.json} (normalizer, Metaspace
 * pre-tokenizer, Unigram model, and the post-processor that appends {@code </s>}) through DJL's binding of the
 * Hugging Face {@code tokenizers} library, so every prompt becomes exactly {@code N} ids: truncated to
 * {@code N − 1} tokens so that the appended {@code </s>} is always kept, then right-padded with the pad id.
 *
 * <p>Offline: DJL's native library is bundled in its jar and is unpacked, not downloaded. DJL's global settings
 * (offline mode, where it unpacks the library) are system properties that the edge sets before the first
 * tokenizer loads (the CLI from its {@code --cache-dir}; the build for the tests); this class reads no
 * setting. The tokenizer is only ever read from a local file; no hub name is resolved.
 *
 * <p>Close it to free the native tokenizer.
 */
public final class T5Tokenizer implements AutoCloseable {
    /**
     * Token ids and attention mask of a batch, each {@code [batch][maxLength]}: mask 1 for real tokens
     * (including {@code </s>}), 0 for padding.
     */
    public record Encoding(long[][] ids, long[][] mask) {
        /** Number of prompts. */
        public int batch() { return ids.length; }

        /** Tokens per prompt (the max length). */
        public int length() { return ids.length == 0 ? 0 : ids[0].length; }

        /** Real (unpadded) tokens of each prompt: the row sums of the mask, as the pipeline's {@code seq_lens}. */
        public int[] seqLens() {
            int[] n = new int[mask.length];
            for (int b = 0; b < mask.length; b++) for (long m : mask[b]) n[b] += (int) m;
            return n;
        }

        /** All ids row-major as ints, ready for an embedding lookup of shape {@code [batch, length]}. */
        public int[] flatIds() {
            int len = length();
            int[] out = new int[ids.length * len];
            for (int b = 0; b < ids.length; b++) for (int j = 0; j < len; j++) out[b * len + j] = Math.toIntExact(ids[b][j]);
            return out;
        }
    }

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;
    private final int maxLength;

    private T5Tokenizer(HuggingFaceTokenizer tokenizer, Path file, int maxLength) {
        this.tokenizer = tokenizer;
        this.file = file;
        this.maxLength = maxLength;
    }

    /** Loads {@code <pipelineDir>/tokenizer/tokenizer.json} (the Diffusers pipeline layout). */
    public static T5Tokenizer fromPipeline(Path pipelineDir, int maxLength) {
        return load(pipelineDir.resolve("tokenizer").resolve("tokenizer.json"), maxLength);
    }

    /**
     * Loads a {@code tokenizer.json} (or the folder holding one) and fixes the output length to
     * {@code maxLength} ids per prompt.
     */
    public static T5Tokenizer load(Path tokenizerJson, int maxLength) {
        Path file = Files.isDirectory(tokenizerJson) ? tokenizerJson.resolve("tokenizer.json") : tokenizerJson;
        if (maxLength < 1) throw new ReelException("tokenizer max_length must be at least 1, got " + maxLength);
        if (!Files.isRegularFile(file)) throw new ReelException("tokenizer file " + file + " does not exist");
        // maxLength also as modelMaxLength: DJL would otherwise clamp a longer max_length, the reference does not
        Map<String, String> options = Map.of(
                "addSpecialTokens", "true",
                "truncation", "true",
                "padding", "max_length",
                "maxLength", Integer.toString(maxLength),
                "modelMaxLength", Integer.toString(maxLength),
                "withOverflowingTokens", "false");
        try {
            return new T5Tokenizer(HuggingFaceTokenizer.newInstance(file, options), file, maxLength);
        } catch (IOException | RuntimeException e) {
            throw new ReelException("cannot load tokenizer " + file + ": " + e.getMessage(), e);
        }
    }

    /** Ids per prompt. */
    public int maxLength() { return maxLength; }

    /** The {@code tokenizer.json} in use. */
    public Path file() { return file; }

    /** Tokenizes a batch of prompts to {@code [prompts.size()][maxLength]} ids and mask. */
    public Encoding encode(List<String> prompts) {
        for (int i = 0; i < prompts.size(); i++) if (prompts.get(i) == null) throw new ReelException("prompt " + i + " is null");
        if (prompts.isEmpty()) return new Encoding(new long[0][], new long[0][]);
        ai.djl.huggingface.tokenizers.Encoding[] enc = tokenizer.batchEncode(prompts);
        long[][] ids = new long[enc.length][], mask = new long[enc.length][];
        for (int b = 0; b < enc.length; b++) {
            ids[b] = enc[b].getIds();
            mask[b] = enc[b].getAttentionMask();
            if (ids[b].length != maxLength || mask[b].length != maxLength) throw new ReelException("tokenizer " + file + " produced " + ids[b].length + " ids for prompt " + b + ", expected " + maxLength + " (check its padding settings)");
        }
        return new Encoding(ids, mask);
    }

    /** Tokenizes one prompt. */
    public Encoding encode(String prompt) {
        return encode(List.of(prompt));
    }

    @Override public void close() { tokenizer.close(); }
}
