package dev.reel.pipeline.stages;

import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.loader.TokenizerFolder;
import dev.reel.models.t5.T5Tokenizer;
import java.util.function.Function;
import java.util.ArrayList;
import java.util.List;

/**
 * Stage 2: prompt (and, with guidance, negative prompt) → text embeddings {@code [1, L, D]}, L the request's
 * {@code maxSequenceLength}. As Diffusers' {@code _get_t5_prompt_embeds}: the cleaned prompt is tokenised to L
 * ids (truncated, {@code </s>} appended, padded), encoded with the attention mask, then every position past the
 * prompt's real token count is set to zero — the trimmed embeddings zero-padded back to L.
 */
public final class TextEncoding implements Stage {
    private final TokenizerFolder tokenizer;
    private final Function<T5Tokenizer.Encoding, Tensor> textEncoder;
    private final DType embedsDtype;

    /**
     * @param textEncoder tokens → {@code last_hidden_state [B, L, D]}: {@code UMT5EncoderModel::forward}, or
     *                    {@link RandomTextEmbeddings} for benchmarks without the encoder's memory
     * @param embedsDtype dtype the transformer consumes the embeddings in
     */
    public TextEncoding(TokenizerFolder tokenizer, Function<T5Tokenizer.Encoding, Tensor> textEncoder, DType embedsDtype) {
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.embedsDtype = embedsDtype;
    }

    @Override public String name() { return "TextEncoding"; }

    @Override public void run(PipelineState state) {
        List<String> prompts = new ArrayList<>();
        prompts.add(PromptCleaner.clean(state.request().prompt()));
        if (state.doClassifierFreeGuidance()) prompts.add(PromptCleaner.clean(state.request().negativePrompt()));
        int maxLength = state.request().maxSequenceLength();
        String[] names = {"prompt", "negative prompt"};
        for (int i = 0; i < prompts.size(); i++) {
            int tokens = tokenCount(prompts.get(i), maxLength);
            if (tokens > maxLength) {
                state.progress().onWarning("the " + names[i] + " has " + tokens + " tokens; the text encoder reads max_sequence_length = "
                        + maxLength + ", so the last " + (tokens - maxLength) + " are cut (as in Diffusers)");
            }
        }
        Tensor embeds = encode(prompts, maxLength);  // [B, L, D]
        state.promptEmbeds = embeds.narrow(0, 0, 1);
        state.negativePromptEmbeds = prompts.size() > 1 ? embeds.narrow(0, 1, 1) : null;
    }

    /**
     * The prompt's token count with {@code </s>}, exact up to {@code 8·maxLength}: a prompt that fills the
     * {@code maxLength} ids is counted again by a longer tokenizer, to tell a cut prompt from one that just fits.
     */
    private int tokenCount(String prompt, int maxLength) {
        int n = tokenizer.forLength(maxLength).encode(prompt).seqLens()[0];
        return n < maxLength ? n : tokenizer.forLength(8 * maxLength).encode(prompt).seqLens()[0];
    }

    /** Embeddings {@code [prompts, maxLength, D]}, zero past each prompt's real length. */
    public Tensor encode(List<String> prompts, int maxLength) {
        T5Tokenizer.Encoding enc = tokenizer.forLength(maxLength).encode(prompts);
        int batch = enc.batch(), len = enc.length();
        float[] keep = new float[batch * len];
        int[] seqLens = enc.seqLens();
        for (int i = 0; i < batch; i++) for (int j = 0; j < seqLens[i]; j++) keep[i * len + j] = 1f;
        try (Scope scope = Scope.open()) {
            Tensor hidden = textEncoder.apply(enc);                                   // [B, L, D]
            // made through the states' backend, so a tape training the encoder keeps it for the backward
            Tensor mask = hidden.backend().fromFloats(keep, hidden.dtype(), batch, len, 1);   // 1 up to seq_len, then 0
            return scope.keep(hidden.mul(mask).to(embedsDtype));
        }
    }
}
