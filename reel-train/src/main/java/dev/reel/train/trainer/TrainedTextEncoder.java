package dev.reel.train.trainer;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.loader.TokenizerFolder;
import dev.reel.models.t5.UMT5EncoderModel;
import dev.reel.pipeline.stages.TextEncoding;
import dev.reel.pipeline.stages.PromptCleaner;
import dev.reel.train.optim.TrainableParameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pipeline's UMT5 text encoder, trained with the transformer: each step's captions are encoded under the tape
 * exactly as the pipeline encodes a prompt ({@link TextEncoding}: tokenised to the pipeline's text length, encoded,
 * zero past each caption's tokens), so the loss reaches every encoder weight. Its parameters are named
 * {@value #PREFIX}{@code <checkpoint key>} among the trainer's, so they share the optimizer, the EMA and the
 * training state with the transformer's without a clash.
 */
public final class TrainedTextEncoder {
    /** The component's folder in a Diffusers pipeline. */
    public static final String COMPONENT = "text_encoder";
    /** What the trainer's parameter names of this encoder start with. */
    public static final String PREFIX = COMPONENT + ".";
    /** The weights' file name in a Transformers model folder. */
    public static final String WEIGHTS = "model.safetensors";

    private final UMT5EncoderModel model;
    private final TextEncoding encoding;
    private final int length;
    private final Path folder;

    private TrainedTextEncoder(UMT5EncoderModel model, TextEncoding encoding, int length, Path folder) {
        this.model = model;
        this.encoding = encoding;
        this.length = length;
        this.folder = folder;
    }

    /**
     * Loads {@code pipeline}'s {@code text_encoder/} in {@code dtype} (its {@code wo} kept fp32 as inference keeps it)
     * and {@code tokenizer/}; captions are encoded at {@code length} tokens into fp32 states.
     */
    public static TrainedTextEncoder load(Path pipeline, DType dtype, int length, Backend backend) {
        Path folder = pipeline.resolve(COMPONENT), tokenizer = pipeline.resolve("tokenizer");
        if (!Files.exists(folder.resolve("config.json")) || !Files.isDirectory(tokenizer)) {
            throw new ReelException("--train-text-encoder needs the pipeline's " + COMPONENT + "/ (config.json and weights) and tokenizer/ in " + pipeline);
        }
        UMT5EncoderModel m = UMT5EncoderModel.load(folder, dtype, backend);
        m.visitParameters((k, p) -> Scope.detach(p.get()));   // the weights outlive the scope they were loaded in
        return new TrainedTextEncoder(m, new TextEncoding(TokenizerFolder.open(tokenizer), m::forward, DType.F32), length, folder);
    }

    /** The folder the encoder was loaded from (its {@code config.json} goes with the trained weights). */
    public Path folder() { return folder; }

    /** The states of {@code captions}, {@code [B, length, D]} fp32, zero past each caption's tokens; recorded when a tape is open. */
    public Tensor encode(List<String> captions) {
        return encoding.encode(captions.stream().map(PromptCleaner::clean).toList(), length);
    }

    /** Every weight of the encoder as a trainable parameter named {@value #PREFIX}{@code key}. */
    public List<TrainableParameter> parameters() {
        List<TrainableParameter> out = new ArrayList<>();
        model.namedParameters().forEach((k, p) -> out.add(new TrainableParameter(PREFIX + k, p)));
        return out;
    }

    /** Values in all the encoder's weights. */
    public long parameterCount() { return model.parameterCount(); }

    /** The encoder's current weights by checkpoint key. */
    public Map<String, Tensor> weights() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        model.namedParameters().forEach((k, p) -> out.put(k, p.get()));
        return out;
    }

    /** The entries of {@code byParameterName} that are this encoder's, by checkpoint key (the prefix taken off). */
    public static Map<String, Tensor> own(Map<String, Tensor> byParameterName) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        byParameterName.forEach((k, t) -> { if (k.startsWith(PREFIX)) out.put(k.substring(PREFIX.length()), t); });
        return out;
    }
}
