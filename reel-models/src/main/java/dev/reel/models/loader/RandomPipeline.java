package dev.reel.models.loader;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.safetensors.SafetensorsWriter;
import dev.reel.models.nn.Module;
import dev.reel.models.t5.Umt5Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a whole Diffusers pipeline folder with seeded random weights from a folder of configs alone: the
 * starting point of training a model from scratch ({@code reel init}). Every component that has weights gets them
 * in its checkpoint layout (Diffusers' {@code diffusion_pytorch_model.safetensors}, Transformers'
 * {@code model.safetensors}), the same weights {@code --random-weights} builds from these configs with this seed,
 * one component at a time; everything else (configs, scheduler, tokenizer, the pipeline's own files) is copied.
 */
public final class RandomPipeline {
    private RandomPipeline() {}

    /** What {@link #write} made: the parameters of each component with weights. */
    public record Report(Map<String, Long> parameters) {}

    /**
     * @param configs   a pipeline folder of configs (model_index.json, one folder per component)
     * @param out       the new pipeline folder (must not exist or be empty); appears only when complete
     * @param seed      seeds every component's weights
     * @param tokenizer a tokenizer folder to use instead of the configs' own, or null
     */
    public static Report write(Path configs, Path out, long seed, Path tokenizer) {
        ModelIndex index = ModelIndex.read(configs);
        PipelineFolder.requireNew(out);
        Path target = out.toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".partial");
        ModelRegistry registry = ModelRegistry.standard();
        Map<String, Long> params = new LinkedHashMap<>();
        try {
            FileOps.deleteTreeQuietly(tmp);
            PipelineFolder.copy(configs, tmp, PipelineFolder::isWeights);
            if (tokenizer != null) {
                FileOps.deleteTree(tmp.resolve("tokenizer"));
                PipelineFolder.copy(tokenizer, tmp.resolve("tokenizer"), p -> false);
            }
            for (ModelIndex.Component c : index.components()) {
                ModelRegistry.Entry e = registry.resolve(index, c);
                if (e.skeleton() == null) continue;   // tokenizer, scheduler: no weights
                if (e.kind() == ModelRegistry.Kind.TEXT_ENCODER) checkVocabulary(tmp, c.name());
                try (Scope scope = Scope.open()) {
                    Object m = e.random().random(tmp.resolve(c.name()), PipelineComponents.componentSeed(seed, c.name()), DType.F32, Backends.cpu());
                    Map<String, Tensor> weights = new LinkedHashMap<>();
                    ((Module) m).namedParameters().forEach((k, p) -> weights.put(k, p.get()));
                    String file = e.kind() == ModelRegistry.Kind.TEXT_ENCODER ? PipelineFolder.TRANSFORMERS_WEIGHTS : PipelineFolder.DIFFUSERS_WEIGHTS;
                    SafetensorsWriter.write(tmp.resolve(c.name()).resolve(file), weights);
                    params.put(c.name(), ((Module) m).parameterCount());
                }
            }
            PipelineFolder.moveIntoPlace(tmp, target);
            return new Report(params);
        } catch (IOException e) {
            throw new ReelException("cannot write the pipeline to " + out + ": " + e.getMessage(), e);
        } finally {
            FileOps.deleteTreeQuietly(tmp);
        }
    }

    /** The tokenizer's pieces must all have a row in the text encoder's embedding. */
    private static void checkVocabulary(Path pipeline, String textEncoder) {
        Path tok = pipeline.resolve("tokenizer/tokenizer.json");
        if (!Files.isRegularFile(tok)) return;
        int pieces = dev.reel.models.nn.ConfigJson.read(tok).node("model").get("vocab").size();
        int rows = Umt5Config.read(pipeline.resolve(textEncoder)).vocabSize();
        if (pieces > rows) {
            throw new ReelException("the tokenizer has " + pieces + " pieces but " + textEncoder + "/config.json's vocab_size is " + rows
                    + ": raise vocab_size to at least " + pieces);
        }
    }
}
