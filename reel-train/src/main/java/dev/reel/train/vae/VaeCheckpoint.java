package dev.reel.train.vae;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.core.ReelException;
import dev.reel.core.Tensor;
import dev.reel.core.safetensors.SafetensorsWriter;
import dev.reel.models.loader.PipelineFolder;
import dev.reel.train.optim.TrainableParameter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes a pipeline folder with a trained VAE: the source pipeline's other files copied, {@code vae/} with new weights and latent statistics. */
public final class VaeCheckpoint {
    private VaeCheckpoint() {}

    /**
     * Fills {@code dir} (a work folder) with {@code pipeline}'s files, the trained VAE's fp32 master weights and its
     * config with {@code latents_mean}/{@code latents_std} replaced.
     */
    public static void write(Path pipeline, Path dir, List<TrainableParameter> params, float[] mean, float[] std) {
        try {
            Files.createDirectories(dir);
            PipelineFolder.copy(pipeline, dir, p -> pipeline.relativize(p).startsWith("vae") && PipelineFolder.isWeights(p)
                    || p.getFileName().toString().equals("loss.csv") || p.getFileName().toString().equals("loss.png"));
            ObjectMapper json = new ObjectMapper();
            Path cfg = dir.resolve("vae/config.json");
            ObjectNode config = (ObjectNode) json.readTree(cfg.toFile());
            ArrayNode m = config.putArray("latents_mean"), s = config.putArray("latents_std");
            for (float v : mean) m.add(v);
            for (float v : std) s.add(v);
            json.writerWithDefaultPrettyPrinter().writeValue(cfg.toFile(), config);
            Map<String, Tensor> weights = new LinkedHashMap<>();
            for (TrainableParameter p : params) weights.put(p.name(), p.master());
            SafetensorsWriter.write(dir.resolve("vae").resolve(PipelineFolder.DIFFUSERS_WEIGHTS), weights);
        } catch (IOException e) {
            throw new ReelException("cannot write the trained VAE to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Moves the finished work folder into place as {@code output}. */
    public static void moveIntoPlace(Path work, Path output) {
        try {
            PipelineFolder.moveIntoPlace(work, output);
        } catch (IOException e) {
            throw new ReelException("cannot move " + work + " to " + output + ": " + e.getMessage(), e);
        }
    }
}
