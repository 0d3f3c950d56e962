package dev.reel.train.trainer;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import dev.reel.core.Tensor;
import dev.reel.core.safetensors.SafetensorsFile;
import dev.reel.core.safetensors.SafetensorsWriter;
import dev.reel.train.optim.TrainableParameter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A resumable checkpoint in the Diffusers layout: {@code DIR/transformer/} (config and weights, what
 * {@code reel generate --model DIR} loads, the other components linked to the source pipeline's) and
 * {@code DIR/training_state.safetensors} (fp32 master weights, optimizer moments, EMA, the next step); a text encoder
 * trained with the transformer has its own {@code DIR/text_encoder/} (config and weights) instead of a link. Written into
 * a temporary folder and renamed, so a checkpoint is either whole or absent.
 */
public final class TrainingCheckpoint {
    /** The state file's name. */
    public static final String STATE = "training_state.safetensors";
    /** The transformer weights' name in the Diffusers layout. */
    public static final String WEIGHTS = dev.reel.models.loader.PipelineFolder.DIFFUSERS_WEIGHTS;

    private TrainingCheckpoint() {}

    /**
     * Saves {@code trainer}'s model and state as of before {@code nextStep}.
     *
     * @param pipeline the Diffusers pipeline folder the model came from (its {@code model_index.json} and other
     *                 components are linked), or a lone {@code transformer/} folder's parent
     */
    public static Path save(Path dir, Trainer trainer, int nextStep, Path pipeline, Path transformerConfig) {
        try {
            Path tmp = dir.resolveSibling(dir.getFileName() + ".partial");
            FileOps.deleteTree(tmp);
            Files.createDirectories(tmp.resolve("transformer"));
            Files.copy(transformerConfig, tmp.resolve("transformer/config.json"));
            Map<String, Tensor> weights = new LinkedHashMap<>();
            Map<String, Tensor> state = new LinkedHashMap<>();
            for (TrainableParameter p : trainer.parameters()) {
                if (p.master() != p.value()) state.put("master." + p.name(), p.master());
            }
            trainer.model().namedParameters().forEach((k, p) -> weights.put(k, p.get()));
            TrainedTextEncoder te = trainer.textEncoder();
            if (te != null) {
                Path teDir = Files.createDirectories(tmp.resolve(TrainedTextEncoder.COMPONENT));
                Files.copy(te.folder().resolve("config.json"), teDir.resolve("config.json"));
                SafetensorsWriter.write(teDir.resolve(TrainedTextEncoder.WEIGHTS), te.weights());
            }
            trainer.optimizer().state().forEach((k, t) -> state.put("optimizer." + k, t));
            if (trainer.ema() != null) trainer.ema().weights().forEach((k, t) -> state.put("ema." + k, t));
            SafetensorsWriter.write(tmp.resolve("transformer").resolve(WEIGHTS), weights);
            SafetensorsWriter.write(tmp.resolve(STATE), state, Map.of("next_step", Integer.toString(nextStep),
                    "optimizer_steps", Long.toString(trainer.optimizer().steps())));
            if (pipeline != null && Files.exists(pipeline.resolve("model_index.json"))) {
                Files.copy(pipeline.resolve("model_index.json"), tmp.resolve("model_index.json"));
                try (var entries = Files.list(pipeline)) {
                    for (Path c : (Iterable<Path>) entries::iterator) {
                        String name = c.getFileName().toString();
                        boolean own = name.equals("transformer") || te != null && name.equals(TrainedTextEncoder.COMPONENT);
                        if (Files.isDirectory(c) && !own) Files.createSymbolicLink(tmp.resolve(name), c.toAbsolutePath());
                        else if (name.equals(dev.reel.pipeline.ModelProfile.DEFAULTS_FILE)) Files.copy(c, tmp.resolve(name));   // the request defaults come along
                    }
                }
            }
            FileOps.deleteTree(dir);
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write checkpoint " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Loads a checkpoint into {@code trainer}; returns the step to continue from. */
    public static int restore(Path dir, Trainer trainer, Backend backend) {
        Path weightsFile = dir.resolve("transformer").resolve(WEIGHTS);
        if (!Files.exists(weightsFile) || !Files.exists(dir.resolve(STATE))) {
            throw new ReelException("--resume " + dir + " is not a training checkpoint (needs transformer/" + WEIGHTS + " and " + STATE + ")");
        }
        try (SafetensorsFile w = SafetensorsFile.open(weightsFile); SafetensorsFile s = SafetensorsFile.open(dir.resolve(STATE))) {
            trainer.model().namedParameters().forEach((k, p) -> {
                Tensor t = w.load(k, p.get().dtype(), backend);
                backend.copyInto(p.get(), t);
            });
            TrainedTextEncoder te = trainer.textEncoder();
            if (te != null) {
                Path teWeights = dir.resolve(TrainedTextEncoder.COMPONENT).resolve(TrainedTextEncoder.WEIGHTS);
                if (!Files.exists(teWeights)) throw new ReelException("--resume " + dir + " has no trained text encoder (" + teWeights + "): it was not trained with --train-text-encoder");
                try (SafetensorsFile t = SafetensorsFile.open(teWeights)) {
                    te.weights().forEach((k, p) -> backend.copyInto(p, t.load(k, p.dtype(), backend)));
                }
            }
            for (TrainableParameter p : trainer.parameters()) {
                String key = "master." + p.name();
                if (s.contains(key)) backend.copyInto(p.master(), s.load(key, DType.F32, backend));
            }
            Map<String, Tensor> opt = new HashMap<>();
            for (String k : s.keys()) {
                if (k.startsWith("optimizer.")) opt.put(k.substring("optimizer.".length()), s.load(k, DType.F32, backend));
            }
            trainer.optimizer().restore(opt, Long.parseLong(s.metadata().getOrDefault("optimizer_steps", "0")));
            if (trainer.ema() != null) {
                Map<String, Tensor> ema = new LinkedHashMap<>();
                for (String k : s.keys()) if (k.startsWith("ema.")) ema.put(k.substring("ema.".length()), s.load(k, DType.F32, backend));
                trainer.ema().restore(ema);
            }
            return Integer.parseInt(s.metadata().getOrDefault("next_step", "0"));
        }
    }
}
