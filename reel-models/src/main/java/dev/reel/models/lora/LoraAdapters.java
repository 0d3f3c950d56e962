package dev.reel.models.lora;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Linear;
import dev.reel.models.nn.Module;
import dev.reel.models.nn.Parameter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A set of LoRA adapters attached to one model's linears, themselves a module whose parameters are named as
 * in the file ({@code blocks.0.attn1.to_q.lora_A.weight}): fresh for training ({@link #create}), or read from a
 * Diffusers/PEFT file ({@link #load}). Attached, they run on the fly (unmerged) beside the frozen weights;
 * {@link #merge} folds them into the weights instead ({@code W ← W + scale·B·A}) so inference costs nothing extra.
 */
public final class LoraAdapters extends Module {
    private static final Logger LOG = LoggerFactory.getLogger(LoraAdapters.class);

    private final Map<String, Linear> linears;
    private final Map<String, LoraLinear> adapters;
    private boolean attached = true;

    private LoraAdapters(Map<String, Linear> linears, Map<String, LoraLinear> adapters) {
        this.linears = Map.copyOf(linears);
        this.adapters = Collections.unmodifiableMap(new LinkedHashMap<>(adapters));
        adapters.forEach((name, a) -> {
            child(name, a);
            linears.get(name).addAdapter(a);
        });
    }

    /**
     * Fresh adapters on the linears of {@code model} that {@code config}'s targets select, initialised as PEFT
     * does: {@code lora_A} Kaiming-uniform (bound {@code 1/√in}), {@code lora_B} zeros, so the model's output is
     * unchanged until training moves B. Deterministic per seed and module name.
     */
    public static LoraAdapters create(Module model, LoraConfig config, long seed, DType dtype, Backend backend) {
        Map<String, Linear> targets = LoraTargets.select(model, config.targets());
        Map<String, LoraLinear> adapters = new LinkedHashMap<>();
        targets.forEach((name, linear) -> {
            int in = linear.inFeatures(), out = linear.outFeatures();
            LoraLinear a = new LoraLinear(in, out, config.rank(), config.scale());
            SplittableRandom rnd = new SplittableRandom(seed ^ name.hashCode() * 0x9E3779B97F4A7C15L);
            float bound = (float) (1.0 / Math.sqrt(in));
            float[] values = new float[config.rank() * in];
            for (int i = 0; i < values.length; i++) values[i] = (float) rnd.nextDouble(-bound, bound);
            a.loraA.weight.set(Scope.detach(backend.fromFloats(values, dtype, config.rank(), in)));
            a.loraB.weight.set(Scope.detach(backend.zeros(dtype, out, config.rank())));
            adapters.put(name, a);
        });
        return new LoraAdapters(targets, adapters);
    }

    /**
     * Reads {@code spec}'s file and attaches it to {@code model}'s linears, each adapter in its linear's dtype and
     * on its device, scaled by the file's {@code alpha / r} times {@link LoraSpec#strength()}. A key naming no
     * linear of the model, or a shape that does not fit it, is a {@link LoraException} naming the key; nothing
     * is attached then.
     */
    public static LoraAdapters load(Module model, LoraSpec spec) {
        Map<String, Linear> all = LoraTargets.linears(model);
        try (LoraFile file = LoraFile.open(spec.file())) {
            Map<String, Linear> targets = new LinkedHashMap<>();
            for (LoraFile.Entry e : file.entries().values()) {
                Linear linear = all.get(e.module());
                if (linear == null) {
                    throw new LoraException("LoRA file " + spec.file() + ": '" + e.keyA() + "' names module '" + e.module()
                            + "', which is not a linear layer of the model (linears are named like '" + example(all) + "')");
                }
                if (e.in() != linear.inFeatures() || e.out() != linear.outFeatures()) {
                    throw new LoraException("LoRA file " + spec.file() + ": '" + e.keyA() + "' and '" + e.keyB() + "' adapt " + e.in() + " → "
                            + e.out() + " features, but '" + e.module() + "' maps " + linear.inFeatures() + " → " + linear.outFeatures()
                            + " (weight " + Arrays.toString(linear.weight.shape()) + "): the LoRA was made for another model");
                }
                targets.put(e.module(), linear);
            }
            Map<String, LoraLinear> adapters = new LinkedHashMap<>();
            for (LoraFile.Entry e : file.entries().values()) {
                Tensor w = targets.get(e.module()).weight.get();
                LoraLinear a = new LoraLinear(e.in(), e.out(), e.rank(), e.scale() * spec.strength());
                a.loraA.weight.set(Scope.detach(file.tensors().load(e.keyA(), w.dtype(), w.backend())));
                a.loraB.weight.set(Scope.detach(file.tensors().load(e.keyB(), w.dtype(), w.backend())));
                adapters.put(e.module(), a);
            }
            LOG.info("LoRA {}: {} adapted linears, strength {}, alphas from {}", spec.file(), adapters.size(), spec.strength(), file.alphaSource());
            return new LoraAdapters(targets, adapters);
        }
    }

    /** Loads each of {@code specs} in turn onto {@code model}, merged into its weights if {@code merge}. */
    public static List<LoraAdapters> apply(Module model, List<LoraSpec> specs, boolean merge) {
        return specs.stream().map(s -> {
            LoraAdapters a = load(model, s);
            if (merge) a.merge();
            return a;
        }).toList();
    }

    private static String example(Map<String, Linear> linears) {
        return linears.keySet().stream().filter(n -> n.contains("to_q")).findFirst().orElse(linears.keySet().stream().findFirst().orElse("(none)"));
    }

    /** The adapters by the name of the linear they adapt, in model order. */
    public Map<String, LoraLinear> adapters() { return adapters; }

    /** The trainable tensors, by the names a LoRA file stores them under (without the {@code transformer.} prefix). */
    public Map<String, Parameter> trainableParameters() { return namedParameters(); }

    /** True while the adapters run on the fly beside the weights (not merged, not detached). */
    public boolean attached() { return attached; }

    /**
     * Folds every adapter into its linear's weight, {@code W ← W + scale·B·A} computed in fp32 and stored in W's
     * dtype, and detaches them: outputs stay the same (up to W's rounding) and cost nothing extra. One-way.
     */
    public void merge() {
        requireAttached("merge");
        adapters.forEach((name, a) -> {
            Linear linear = linears.get(name);
            Tensor w = linear.weight.get();
            try (Scope scope = Scope.open()) {
                Tensor merged = w.to(DType.F32).add(a.delta()).to(w.dtype());
                linear.weight.set(Scope.detach(merged));   // outlives the scope that freed the fp32 temporaries
            }
            linear.removeAdapter(a);
        });
        attached = false;
    }

    /** Takes the adapters off the model (which is then as before they were attached). */
    public void detach() {
        requireAttached("detach");
        adapters.forEach((name, a) -> linears.get(name).removeAdapter(a));
        attached = false;
    }

    /** Saves the adapters as a Diffusers/PEFT LoRA file ({@link LoraFile#write}). */
    public void save(Path file) { LoraFile.write(file, adapters); }

    private void requireAttached(String what) {
        if (!attached) throw new LoraException("cannot " + what + " LoRA adapters that were already merged into the weights or detached");
    }
}
