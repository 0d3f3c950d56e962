package dev.reel.models.nn;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.core.SeededUniform;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/** Fills a {@link Module}'s parameters: from a checkpoint (checked key by key) or with seeded random values. */
public final class Weights {
    private Weights() {}

    /**
     * Loads every parameter of {@code model} from {@code source} as {@code dtype}. All problems — missing,
     * unexpected and wrongly-shaped keys — are collected and thrown together before anything is loaded.
     */
    public static void load(Module model, WeightSource source, DType dtype, Backend backend) {
        load(model, source, key -> dtype, backend);
    }

    /**
     * Loads every parameter of {@code model} from {@code source}, each as the dtype {@code dtypeOf} gives its key
     * (for the modules a reference keeps in fp32 whatever the model's dtype). Checked as {@link #load(Module,
     * WeightSource, DType, Backend)}; each weight is read once.
     */
    public static void load(Module model, WeightSource source, Function<String, DType> dtypeOf, Backend backend) {
        Map<String, Parameter> params = model.namedParameters();
        List<String> missing = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        for (var e : params.entrySet()) {
            String key = e.getKey();
            if (!source.keys().contains(key)) { missing.add(key); continue; }
            int[] found = source.shape(key);
            if (!Arrays.equals(found, e.getValue().shape())) {
                wrongShape.add(key + ": expected " + Arrays.toString(e.getValue().shape()) + ", found " + Arrays.toString(found));
            }
        }
        List<String> unexpected = new ArrayList<>(new TreeSet<>(source.keys()));
        unexpected.removeAll(params.keySet());
        if (!missing.isEmpty() || !unexpected.isEmpty() || !wrongShape.isEmpty()) {
            throw new WeightMismatchException(source.describe(), missing, unexpected, wrongShape);
        }
        for (var e : params.entrySet()) e.getValue().set(source.load(e.getKey(), dtypeOf.apply(e.getKey()), backend));
    }

    /**
     * Seeded random weights for real-size benchmarks: matrices and kernels uniform in ±1/√fan_in (PyTorch's
     * default init scale), vectors (norm scales, also shaped [C,1,1,1]) near 1, biases small. Deterministic per seed and key.
     */
    public static void random(Module model, long seed, DType dtype, Backend backend) {
        random(model, seed, key -> dtype, backend);
    }

    /**
     * Seeded random weights as {@link #random(Module, long, DType, Backend)}, each in the dtype {@code dtypeOf} gives
     * its key. Each parameter's values depend only on its key and the seed ({@link Backend#uniform}: a GPU draws them
     * in place, the CPU in parallel), so they are the same on every backend and in {@code reel init}'s checkpoints.
     */
    public static void random(Module model, long seed, Function<String, DType> dtypeOf, Backend backend) {
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            String key = e.getKey();
            int[] shape = e.getValue().shape();
            e.getValue().set(randomTensor(key, shape, seed ^ key.hashCode() * SeededUniform.GAMMA, dtypeOf.apply(key), backend));
        }
    }

    private static Tensor randomTensor(String key, int[] shape, long seed, DType dtype, Backend backend) {
        long n = Tensor.numel(shape);
        // a [C, 1, 1, 1] norm scale (the Wan VAE's gamma) is a vector, not a kernel
        boolean vector = shape.length <= 1 || n == shape[0];
        if (!vector) {
            float bound = (float) (1.0 / Math.sqrt(n / shape[0]));   // n / shape[0]: the fan-in
            return backend.uniform(seed, -bound, bound, 0, dtype, shape);
        }
        if (key.endsWith("bias")) return backend.uniform(seed, -0.02, 0.02, 0, dtype, shape);
        return backend.uniform(seed, -0.1, 0.1, 1.0, dtype, shape);
    }
}
