package dev.reel.core.safetensors;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Set;

/**
 * Named tensors stored on disk and read lazily: a single {@link SafetensorsFile} or a (possibly sharded)
 * {@link Checkpoint}. Closing it unmaps the files; segments obtained earlier become invalid.
 */
public interface TensorSource extends AutoCloseable {

    /** All tensor names, sorted. */
    Set<String> keys();

    /** True if a tensor of this name is stored. */
    default boolean contains(String key) { return keys().contains(key); }

    /** Dtype, shape and location of a tensor; throws {@link SafetensorsException} naming an unknown key. */
    TensorInfo info(String key);

    /** The raw little-endian bytes of a tensor, a view of the mapped file (no copy). */
    MemorySegment segment(String key);

    /** The free-form string metadata ({@code __metadata__} of a file, {@code metadata} of an index). */
    Map<String, String> metadata();

    /**
     * Copies a tensor into a new tensor of {@code backend}'s device, converting to {@code target}
     * (null keeps the stored dtype).
     */
    default Tensor load(String key, DType target, Backend backend) {
        TensorInfo info = info(key);
        return backend.fromSegment(segment(key), info.dtype(), target == null ? info.dtype() : target, info.shape());
    }

    /** Unmaps the file(s). */
    @Override void close();
}
