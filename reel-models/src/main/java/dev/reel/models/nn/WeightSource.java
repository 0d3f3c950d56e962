package dev.reel.models.nn;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

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

    /**
     * This source without the keys {@code drop} matches: for stored keys the reference skips on load (Diffusers'
     * {@code _keys_to_ignore_on_load_unexpected}), so that they are not reported as unexpected.
     */
    /**
     * This source with {@code prefix} before every key: for checkpoints saved without the reference's top-level module
     * name (Transformers 5 writes a {@code CLIPVisionModel} without {@code vision_model.}, and loads either form).
     */
    default WeightSource withPrefix(String prefix) {
        WeightSource base = this;
        Set<String> keys = new TreeSet<>();
        for (String k : base.keys()) keys.add(prefix + k);
        Set<String> view = java.util.Collections.unmodifiableSet(keys);
        return new WeightSource() {
            @Override public Set<String> keys() { return view; }
            @Override public int[] shape(String key) { return base.shape(key.substring(prefix.length())); }
            @Override public Tensor load(String key, DType dtype, Backend backend) { return base.load(key.substring(prefix.length()), dtype, backend); }
            @Override public String describe() { return base.describe(); }
        };
    }

    default WeightSource without(Predicate<String> drop) {
        WeightSource base = this;
        Set<String> kept = new TreeSet<>();
        for (String k : base.keys()) if (!drop.test(k)) kept.add(k);
        Set<String> keys = java.util.Collections.unmodifiableSet(kept);
        return new WeightSource() {
            @Override public Set<String> keys() { return keys; }
            @Override public int[] shape(String key) { return base.shape(key); }
            @Override public Tensor load(String key, DType dtype, Backend backend) { return base.load(key, dtype, backend); }
            @Override public String describe() { return base.describe(); }
        };
    }
}
