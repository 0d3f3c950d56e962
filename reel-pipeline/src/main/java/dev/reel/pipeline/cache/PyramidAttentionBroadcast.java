package dev.reel.pipeline.cache;

import dev.reel.core.Tensor;
import dev.reel.models.nn.DitHooks.AttentionKind;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Pyramid Attention Broadcast (Zhao et al., 2024) with Diffusers' {@code hooks/pyramid_attention_broadcast.py}
 * semantics: each attention call site (block, self or cross) counts its calls; while the timestep lies strictly
 * inside the kind's window, a site computes only on calls whose count is a multiple of its range and reuses its
 * last output on the others (a range {@code N} reuses {@code N − 1} times); outside the window it always computes.
 * A range of 1, or none, computes every call. The cond and uncond passes keep separate counts and outputs
 * (Diffusers' pipeline runs them in separate cache contexts for the same reason).
 */
final class PyramidAttentionBroadcast implements CacheStrategy {
    /**
     * @param selfRange  self-attention block skip range, ≥ 1, or 0 for never reuse
     * @param crossRange cross-attention block skip range, ≥ 1, or 0 for never reuse
     * @param selfWindow  (low, high) timesteps, exclusive, where self-attention may be reused
     * @param crossWindow (low, high) for cross-attention
     */
    record Settings(int selfRange, int crossRange, double[] selfWindow, double[] crossWindow) {}

    private final Settings settings;
    private final Map<String, int[]> iterations = new HashMap<>();

    PyramidAttentionBroadcast(Settings settings) { this.settings = settings; }

    @Override public Tensor attention(Pass pass, int block, AttentionKind kind, Supplier<Tensor> compute, CacheBuffers buffers) {
        boolean self = kind == AttentionKind.SELF;
        int range = self ? settings.selfRange() : settings.crossRange();
        if (range == 0) return compute.get();
        double[] window = self ? settings.selfWindow() : settings.crossWindow();
        String name = "attention." + block + "." + kind;
        int[] iteration = iterations.computeIfAbsent(pass.branch() + "/" + name, k -> new int[1]);
        Tensor cached = buffers.get(pass.branch(), name);
        boolean inWindow = window[0] < pass.timestep() && pass.timestep() < window[1];
        boolean computeNow = iteration[0] > 0 && iteration[0] % range == 0;
        boolean reuse = cached != null && inWindow && !computeNow;
        iteration[0]++;
        if (reuse) return cached;
        Tensor out = compute.get();
        buffers.put(pass.branch(), name, out);
        return out;
    }
}
