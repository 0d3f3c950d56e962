package dev.reel.pipeline.cache;

import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * The tensors a step cache keeps between passes (residuals, attention outputs, previous inputs), per branch and
 * name. It owns them: a tensor put here is taken out of the memory scopes, freed when replaced, and every one is
 * freed when the generation ends.
 */
public final class CacheBuffers implements AutoCloseable {
    private final Map<String, Tensor> tensors = new HashMap<>();

    /** The tensor kept under {@code name} for {@code branch}, or null. */
    public Tensor get(Branch branch, String name) { return tensors.get(key(branch, name)); }

    /**
     * Keeps {@code t} (a tensor nothing else frees: a fresh result, or a {@link #copy}) under {@code name},
     * freeing what was kept there before.
     */
    public void put(Branch branch, String name, Tensor t) {
        Scope.detach(t);
        Tensor old = tensors.put(key(branch, name), t);
        if (old != null && old.storage() != t.storage()) old.free();
    }

    /** A copy of {@code t} on its device, for keeping a tensor the model still owns. */
    public static Tensor copy(Tensor t) { return t.backend().copyFrom(t); }

    /** Bytes currently kept. */
    public long bytes() {
        long n = 0;
        for (Tensor t : tensors.values()) n += t.numel() * t.dtype().byteSize();
        return n;
    }

    private static String key(Branch b, String name) { return b.name() + '/' + name; }

    @Override public void close() {
        for (Tensor t : tensors.values()) t.free();
        tensors.clear();
    }
}
