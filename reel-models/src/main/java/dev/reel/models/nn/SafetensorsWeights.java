package dev.reel.models.nn;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.core.safetensors.Checkpoint;
import java.nio.file.Path;
import java.util.Set;

/**
 * A {@link WeightSource} over a safetensors checkpoint: one file, a sharded {@code *.safetensors.index.json},
 * or a Diffusers component folder holding either. Tensors are read lazily from the mapped files; close it
 * once the model is loaded.
 */
public final class SafetensorsWeights implements WeightSource, AutoCloseable {
    private final Checkpoint checkpoint;

    private SafetensorsWeights(Checkpoint checkpoint) { this.checkpoint = checkpoint; }

    /** Opens a file, an index, or a folder (see {@link Checkpoint#open}). */
    public static SafetensorsWeights open(Path path) { return new SafetensorsWeights(Checkpoint.open(path)); }

    @Override public Set<String> keys() { return checkpoint.keys(); }

    @Override public int[] shape(String key) { return checkpoint.info(key).shape(); }

    @Override public Tensor load(String key, DType dtype, Backend backend) { return checkpoint.load(key, dtype, backend); }

    @Override public String describe() { return checkpoint.path().toString(); }

    /** Unmaps the files. */
    @Override public void close() { checkpoint.close(); }
}
