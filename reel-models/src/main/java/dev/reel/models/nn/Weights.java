package dev.reel.models.nn;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
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
     * its key. Each parameter's values depend only on its key and the seed, so they are drawn in parallel (a batch of
     * parameters at a time, bounding host memory, the next batch drawn while this one uploads) and uploaded in order.
     */
    public static void random(Module model, long seed, Function<String, DType> dtypeOf, Backend backend) {
        List<List<Map.Entry<String, Parameter>>> batches = batches(new ArrayList<>(model.namedParameters().entrySet()));
        if (batches.isEmpty()) return;
        // the next batch is drawn while this one uploads
        CompletableFuture<float[][]> next = draw(batches.getFirst(), seed);
        for (int b = 0; b < batches.size(); b++) {
            float[][] values = next.join();
            if (b + 1 < batches.size()) next = draw(batches.get(b + 1), seed);
            List<Map.Entry<String, Parameter>> part = batches.get(b);
            for (int i = 0; i < part.size(); i++) {
                Parameter p = part.get(i).getValue();
                p.set(backend.fromFloats(values[i], dtypeOf.apply(part.get(i).getKey()), p.shape()));
                values[i] = null;
            }
        }
    }

    /** Host floats one batch may hold: two batches are in memory at a time. */
    private static final long BATCH_VALUES = 256L << 20;

    /** Consecutive parameters, as many per batch as there are cores, and no more than {@link #BATCH_VALUES} values. */
    private static List<List<Map.Entry<String, Parameter>>> batches(List<Map.Entry<String, Parameter>> all) {
        int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
        List<List<Map.Entry<String, Parameter>>> out = new ArrayList<>();
        List<Map.Entry<String, Parameter>> cur = new ArrayList<>();
        long values = 0;
        for (Map.Entry<String, Parameter> e : all) {
            long n = Tensor.numel(e.getValue().shape());
            if (!cur.isEmpty() && (cur.size() == cores || values + n > BATCH_VALUES)) {
                out.add(cur);
                cur = new ArrayList<>();
                values = 0;
            }
            cur.add(e);
            values += n;
        }
        if (!cur.isEmpty()) out.add(cur);
        return out;
    }

    private static CompletableFuture<float[][]> draw(List<Map.Entry<String, Parameter>> part, long seed) {
        return CompletableFuture.supplyAsync(() -> part.parallelStream().map(e -> randomValues(e.getKey(), e.getValue().shape(), seed)).toArray(float[][]::new));
    }

    private static float[] randomValues(String key, int[] shape, long seed) {
        long n = Tensor.numel(shape);
        SplittableRandom rnd = new SplittableRandom(seed ^ key.hashCode() * 0x9E3779B97F4A7C15L);
        float[] v = new float[Math.toIntExact(n)];
        // a [C, 1, 1, 1] norm scale (the Wan VAE's gamma) is a vector, not a kernel
        boolean vector = shape.length <= 1 || n == shape[0];
        if (!vector) {
            long fanIn = n / shape[0];
            float bound = (float) (1.0 / Math.sqrt(fanIn));
            for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextDouble(-bound, bound);
        } else if (key.endsWith("bias")) {
            for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextDouble(-0.02, 0.02);
        } else {
            for (int i = 0; i < v.length; i++) v[i] = (float) (1.0 + rnd.nextDouble(-0.1, 0.1));
        }
        return v;
    }
}
