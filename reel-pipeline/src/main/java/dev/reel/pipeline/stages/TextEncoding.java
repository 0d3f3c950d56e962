package dev.reel.pipeline.stages;

import dev.reel.core.Backend;
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
    private final Backend backend;

    /**
     * @param textEncoder tokens → {@code last_hidden_state [B, L, D]}: {@code UMT5EncoderModel::forward}, or
     *                    {@link RandomTextEmbeddings} for benchmarks without the encoder's memory
     * @param embedsDtype dtype the transformer consumes the embeddings in
     */
    public TextEncoding(TokenizerFolder tokenizer, Function<T5Tokenizer.Encoding, Tensor> textEncoder, DType embedsDtype, Backend backend) {
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.embedsDtype = embedsDtype;
        this.backend = backend;
    }

    @Override public String name() { return "TextEncoding"; }

    @Override public void run(PipelineState state) {
        List<String> prompts = new ArrayList<>();
        prompts.add(PromptCleaner.clean(state.request().prompt()));
        if (state.doClassifierFreeGuidance()) prompts.add(PromptCleaner.clean(state.request().negativePrompt()));
        Tensor embeds = encode(prompts, state.request().maxSequenceLength());  // [B, L, D]
        state.promptEmbeds = embeds.narrow(0, 0, 1);
        state.negativePromptEmbeds = prompts.size() > 1 ? embeds.narrow(0, 1, 1) : null;
    }

    /** Embeddings {@code [prompts, maxLength, D]}, zero past each prompt's real length. */
    public Tensor encode(List<String> prompts, int maxLength) {
        T5Tokenizer.Encoding enc = tokenizer.forLength(maxLength).encode(prompts);
        Backend b = backend;
        int batch = enc.batch(), len = enc.length();
        float[] keep = new float[batch * len];
        int[] seqLens = enc.seqLens();
        for (int i = 0; i < batch; i++) for (int j = 0; j < seqLens[i]; j++) keep[i * len + j] = 1f;
        try (Scope scope = Scope.open()) {
            Tensor hidden = textEncoder.apply(enc);                                   // [B, L, D]
            Tensor mask = b.fromFloats(keep, hidden.dtype(), batch, len, 1);         // 1 up to seq_len, then 0
            return scope.keep(hidden.mul(mask).to(embedsDtype));
        }
    }
}
