package dev.reel.models.loader;

import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The components of a Diffusers pipeline folder, each built by the {@link ModelRegistry} entry of its class:
 * {@code model_index.json} → one Java object per slot ({@code transformer} → {@code WanTransformer3DModel}, …).
 */
public final class PipelineComponents implements AutoCloseable {
    private final ModelIndex index;
    private final Map<String, Object> components;
    private final boolean randomWeights;

    private PipelineComponents(ModelIndex index, Map<String, Object> components, boolean randomWeights) {
        this.index = index;
        this.components = components;
        this.randomWeights = randomWeights;
        // The weights live as long as this object, whatever memory scope the caller had open while loading.
        forEachWeight(Scope::detach);
    }

    /** Loads every component of the pipeline folder {@code dir} with its checkpoint weights. */
    public static PipelineComponents load(Path dir, LoadOptions options) { return load(dir, options, Set.of()); }

    /**
     * Loads the components of {@code dir} with their checkpoint weights, except the slots in {@code omit} (e.g. the
     * text encoder and VAE on the ranks of a parallel plan that only run the transformer).
     */
    public static PipelineComponents load(Path dir, LoadOptions options, Set<String> omit) {
        ModelIndex index = ModelIndex.read(dir);
        ModelRegistry registry = ModelRegistry.standard();
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            for (ModelIndex.Component c : index.components()) {
                if (omit.contains(c.name())) continue;
                ModelRegistry.Entry e = registry.resolve(index, c);
                out.put(c.name(), e.loader().load(folder(index, c), options.dtypeFor(c.name()), options.backend()));
            }
        } catch (RuntimeException ex) {
            closeAll(out);
            throw ex;
        }
        return new PipelineComponents(index, out, false);
    }

    /**
     * Builds every component of {@code dir} from its config alone, with seeded random weights (for benchmarks at
     * real sizes and demos; the weights' values do not change the cost). Components that have no weights are
     * read as usual; {@code substitutes} maps a slot to another folder to read it from (e.g. a stand-in
     * {@code tokenizer} for config-only folders that ship none); slots in {@code omit} are not built at all.
     */
    public static PipelineComponents random(Path dir, LoadOptions options, long seed, Map<String, Path> substitutes, Set<String> omit) {
        ModelIndex index = ModelIndex.read(dir);
        ModelRegistry registry = ModelRegistry.standard();
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            for (ModelIndex.Component c : index.components()) {
                if (omit.contains(c.name())) continue;
                ModelRegistry.Entry e = registry.resolve(index, c);
                Path f = substitutes.getOrDefault(c.name(), null);
                if (f == null) f = folder(index, c);
                long s = componentSeed(seed, c.name());
                out.put(c.name(), e.random().random(f, s, options.dtypeFor(c.name()), options.backend()));
            }
        } catch (RuntimeException ex) {
            closeAll(out);
            throw ex;
        }
        return new PipelineComponents(index, out, true);
    }

    /** The seed of slot {@code name}'s random weights in a pipeline seeded {@code seed} (also {@link RandomPipeline}'s). */
    static long componentSeed(long seed, String name) { return seed * 31 + name.hashCode(); }

    private static Path folder(ModelIndex index, ModelIndex.Component c) {
        Path f = index.folder(c);
        if (!Files.isDirectory(f)) throw new ReelException(f + ": component folder \"" + c.name() + "\" (" + c.className() + ") is missing from the pipeline");
        return f;
    }

    /** The pipeline's index. */
    public ModelIndex index() { return index; }

    /** True if the weights are random rather than a checkpoint's. */
    public boolean randomWeights() { return randomWeights; }

    /** True if slot {@code name} was built. */
    public boolean has(String name) { return components.containsKey(name); }

    /** The component in slot {@code name}, which must be a {@code type}. */
    public <T> T get(String name, Class<T> type) {
        Object o = components.get(name);
        if (o == null) throw new ReelException(index.dir() + ": pipeline has no component \"" + name + "\"; it has " + components.keySet());
        if (!type.isInstance(o)) throw new ReelException(index.dir() + ": component \"" + name + "\" is a " + o.getClass().getSimpleName() + ", expected " + type.getSimpleName());
        return type.cast(o);
    }

    /** Every component by slot, in index order. */
    public Map<String, Object> all() { return java.util.Collections.unmodifiableMap(components); }

    /** Total parameters of the module components. */
    public long parameterCount() {
        long n = 0;
        for (Object o : components.values()) if (o instanceof Module m) n += m.parameterCount();
        return n;
    }

    /** Frees every weight (device memory at once, not at garbage collection) and closes the tokenizers. */
    @Override public void close() {
        forEachWeight(Tensor::free);
        closeAll(components);
    }

    private void forEachWeight(Consumer<Tensor> action) {
        for (Object o : components.values()) {
            if (o instanceof Module m) m.visitParameters((k, p) -> { if (p.isSet()) action.accept(p.get()); });
        }
    }

    private static void closeAll(Map<String, Object> comps) {
        for (Object o : comps.values()) {
            if (o instanceof AutoCloseable c) {
                try { c.close(); } catch (Exception ignored) { /* closing native tokenizers cannot usefully fail */ }
            }
        }
    }
}
