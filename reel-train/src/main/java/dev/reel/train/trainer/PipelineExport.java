package dev.reel.train.trainer;

import dev.reel.core.DType;
import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.safetensors.SafetensorsWriter;
import dev.reel.models.loader.PipelineFolder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The finished model as a self-contained pipeline folder: a checkpoint's files with its links to the source
 * pipeline's components replaced by copies, no training state, and the transformer's weights (the EMA's when there
 * is one) in the dtype asked for — what a model folder that is shipped or uploaded holds. A text encoder trained
 * with it is written too, in fp32 (a few MB even for the demo's tiny UMT5, and its {@code wo} are kept fp32 anyway).
 */
public final class PipelineExport {
    private PipelineExport() {}

    /**
     * @param checkpoint a folder {@link TrainingCheckpoint#save} wrote
     * @param out        the new folder
     * @param weights    the transformer weights to write, by checkpoint key
     * @param dtype      their stored dtype (bf16 halves the folder; the loader casts to the compute dtype)
     * @param textEncoder the trained text encoder's weights by checkpoint key, or null to keep the checkpoint's
     */
    public static void write(Path checkpoint, Path out, Map<String, Tensor> weights, DType dtype, Map<String, Tensor> textEncoder) {
        PipelineFolder.requireNew(out);
        Path tmp = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".partial");
        try (Scope scope = Scope.open()) {
            FileOps.deleteTreeQuietly(tmp);
            PipelineFolder.copy(checkpoint, tmp, p -> p.getFileName().toString().equals(TrainingCheckpoint.STATE)
                    || (checkpoint.relativize(p).startsWith("transformer")
                        || textEncoder != null && checkpoint.relativize(p).startsWith(TrainedTextEncoder.COMPONENT)) && PipelineFolder.isWeights(p));
            Map<String, Tensor> cast = new LinkedHashMap<>();
            weights.forEach((k, t) -> cast.put(k, t.dtype() == dtype ? t : t.backend().cast(t, dtype)));
            SafetensorsWriter.write(tmp.resolve("transformer").resolve(TrainingCheckpoint.WEIGHTS), cast);
            if (textEncoder != null) {
                Map<String, Tensor> te = new LinkedHashMap<>();
                textEncoder.forEach((k, t) -> te.put(k, t.dtype() == DType.F32 ? t : t.backend().cast(t, DType.F32)));
                SafetensorsWriter.write(tmp.resolve(TrainedTextEncoder.COMPONENT).resolve(TrainedTextEncoder.WEIGHTS), te);
            }
            PipelineFolder.moveIntoPlace(tmp, out);
        } catch (IOException e) {
            throw new ReelException("cannot export the pipeline to " + out + ": " + e.getMessage(), e);
        } finally {
            FileOps.deleteTreeQuietly(tmp);
        }
    }
}
