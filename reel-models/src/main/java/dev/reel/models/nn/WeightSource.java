package dev.reel.models.nn;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import java.util.Set;

/** Where a model's weights come from (a safetensors checkpoint, possibly sharded). */
public interface WeightSource {
    /** Every key the source holds. */
    Set<String> keys();

    /** The stored shape of {@code key}. */
    int[] shape(String key);

    /** Loads {@code key} onto {@code backend}'s device as {@code dtype}. */
    Tensor load(String key, DType dtype, Backend backend);

    /** A description for error messages (e.g. the folder or file). */
    String describe();
}
