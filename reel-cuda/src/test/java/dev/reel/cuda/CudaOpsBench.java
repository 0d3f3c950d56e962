package dev.reel.cuda;

import dev.reel.core.AttentionBackend;
import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.DeviceTimer;
import dev.reel.core.Scope;
import dev.reel.core.SystemOptions;
import dev.reel.core.Tensor;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Times the ops of one Wan2.1-1.3B DiT block at 81×480×832 (32760 tokens, dim 1536, 12 heads of 128) on the
 * GPU: {@code java -cp ... dev.reel.cuda.CudaOpsBench [tokens]}. Prints ms (median of 10 after warm-up) with
 * TFLOP/s or GB/s. The fused tanh-GELU and norm backwards are timed beside their composed formulas by
 * {@code dev.reel.train.autograd.FusedBackwardBench} (reel-train, where those formulas are).
 */
public final class CudaOpsBench {
    private CudaOpsBench() {}

    static CudaBackend gpu;

    public static void main(String[] args) {
        int l = args.length > 0 ? Integer.parseInt(args[0]) : 32760;
        gpu = (CudaBackend) Backends.of(Device.cuda(0));
        System.out.println("device: " + gpu.deviceName() + " (sm " + gpu.computeCapability() + ", " + gpu.multiprocessors() + " SMs), tokens " + l);
        int d = 1536, h = 12, hd = 128, ff = 8960, lc = 512;
        DType bf = DType.BF16;
        Tensor x = rand(bf, l, d), w = rand(bf, d, d), b = rand(bf, d), wu = rand(bf, ff, d), bu = rand(bf, ff), wd = rand(bf, d, ff);
        Tensor hmid = rand(bf, l, ff), ctx = rand(bf, lc, d);
        Tensor shift = rand(DType.F32, 1, 1, d), scale = rand(DType.F32, 1, 1, d);
        Tensor x3 = x.reshape(1, l, d);
        Tensor cos = rand(DType.F32, l, hd / 2), sin = rand(DType.F32, l, hd / 2);
        Tensor q = rand(bf, 1, l, h, hd), k = rand(bf, 1, l, h, hd), v = rand(bf, 1, l, h, hd);
        Tensor kc = rand(bf, 1, lc, h, hd), vc = rand(bf, 1, lc, h, hd);
        Tensor nw = rand(bf, d);
        double proj = 2.0 * l * d * d, up = 2.0 * l * d * ff, self = 4.0 * l * l * hd * h, cross = 4.0 * l * lc * hd * h;
        double act = (double) l * d * 2;  // bytes of one bf16 activation
        gflops("linear q/k/v/o 1536→1536 +bias", proj, () -> gpu.linear(x, w, b));
        gflops("linear ffn up 1536→8960 +bias", up, () -> gpu.linear(x, wu, bu));
        gflops("linear ffn up +bias+gelu (epilogue)", up, () -> gpu.linearGeluTanh(x, wu, bu));
        gflops("linear ffn down 8960→1536", up, () -> gpu.linear(hmid, wd, b));
        gflops("linear cross k/v 512 tokens", 2.0 * lc * d * d, () -> gpu.linear(ctx, w, b));
        gflops("self-attention cuDNN (views)", self, () -> gpu.attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), null, 0.0883883f));
        gflops("cross-attention cuDNN Lk=512", cross, () -> gpu.attention(q.transpose(1, 2), kc.transpose(1, 2), vc.transpose(1, 2), null, 0.0883883f));
        Backend flash = Backends.of(Device.cuda(0), SystemOptions.defaults().withAttention(AttentionBackend.FLASH));
        gflops("self-attention Reel flash (views)", self, () -> flash.attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), null, 0.0883883f));
        gflops("cross-attention Reel flash Lk=512", cross, () -> flash.attention(q.transpose(1, 2), kc.transpose(1, 2), vc.transpose(1, 2), null, 0.0883883f));
        // the training backward, counted as FlashAttention counts it (2.5× the forward's products): cuDNN's (its
        // training forward for the softmax statistics included, and that forward alone) and Reel's attention_bwd.cu
        Tensor o = gpu.attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), null, 0.0883883f);
        CudaBackend sdpa = (CudaBackend) Backends.of(Device.cuda(0), SystemOptions.defaults().withAttention(AttentionBackend.SDPA));
        if (sdpa.attentionBackend() == AttentionBackend.SDPA) {
            gflops("self-attention backward cuDNN (views)", 2.5 * self,
                    () -> backward(sdpa, q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), o, null, DType.BF16));
            // as autograd runs it: the recompute's training forward kept the statistics, so the backward is the graph alone
            Tensor[] saved = sdpa.attentionForBackward(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), 0.0883883f);
            gflops("self-attention backward cuDNN, saved statistics", 2.5 * self,
                    () -> backward(sdpa, q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), saved[0], saved[1], DType.BF16));
            gflops("  of which the forward with statistics", self,
                    () -> sdpa.cudaDevice().cudnn().attention().forwardWithStatistics(gpu::empty, q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), 0.0883883f)[0]);
            gflops("cross-attention backward cuDNN Lk=512", 2.5 * cross,
                    () -> backward(sdpa, q.transpose(1, 2), kc.transpose(1, 2), vc.transpose(1, 2), o, null, DType.BF16));
        } else {
            System.out.println("self-attention backward cuDNN: cuDNN is not usable here");
        }
        gflops("self-attention backward Reel flash (views)", 2.5 * self,
                () -> backward(flash, q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), o, null, DType.F32));
        gflops("cross-attention backward Reel flash Lk=512", 2.5 * cross,
                () -> backward(flash, q.transpose(1, 2), kc.transpose(1, 2), vc.transpose(1, 2), o, null, DType.F32));
        gbs("layerNorm (no affine)", 2 * act, () -> gpu.layerNorm(x, null, null, 1e-6f));
        gbs("rmsNorm (affine)", 2 * act, () -> gpu.rmsNorm(x, nw, 1e-6f));
        gbs("modulate [1,L,D]·(1+[1,1,D])+[1,1,D]", 2 * act, () -> gpu.modulate(x3, shift, scale));
        gbs("gatedResidual", 3 * act, () -> gpu.gatedResidual(x3, x3, scale));
        gbs("add", 3 * act, () -> gpu.add(x, x));
        gbs("geluTanh", 2.0 * l * ff * 2, () -> gpu.geluTanh(hmid));
        gbs("rope [1,L,12,128]", 2 * act, () -> gpu.rope(q, cos, sin));
        gbs("transpose [1,12,L,128]→[1,L,12,128]", 2 * act, () -> gpu.contiguous(q.transpose(1, 2).transpose(1, 2).permute(0, 2, 1, 3)));
        gbs("cast bf16→f32", act * 3, () -> gpu.cast(x, DType.F32));
        // bias gradients of the training step: reduce_cols_vec (cut into chunks of R, then reduce_combine)
        gbs("sum over tokens [L,1536] bf16", act, () -> gpu.sum(x, 0, false));
        gbs("sum over tokens [L,8960] bf16", 2.0 * l * ff, () -> gpu.sum(hmid, 0, false));
        System.out.printf(Locale.ROOT, "pool peak %.2f GiB%n", gpu.memoryStats().peakGiB());
    }

    /** One fused attention backward (o doubles as dO), checked to have run the kernels meant (by its gradients' dtype). */
    static Tensor backward(Backend b, Tensor q, Tensor k, Tensor v, Tensor o, Tensor stats, DType expected) {
        Tensor[] g = b.attentionBackward(q, k, v, o, stats, o, 0.0883883f);
        if (g == null || g[0].dtype() != expected) throw new IllegalStateException("the attention backward did not run the kernels timed (" + (g == null ? "declined" : g[0].dtype()) + ")");
        return g[0];
    }

    static Tensor rand(DType t, int... shape) {
        Random r = new Random(shape.length * 31L + shape[shape.length - 1]);
        float[] f = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < f.length; i++) f[i] = (float) r.nextGaussian();
        return gpu.fromFloats(f, t, shape);
    }

    static double median(Supplier<Tensor> op) {
        float[] ms = new float[10];
        try (DeviceTimer timer = gpu.timer()) {
            for (int i = 0; i < 3; i++) try (Scope s = Scope.open()) { op.get(); }
            for (int i = 0; i < ms.length; i++) {
                try (Scope s = Scope.open()) {
                    timer.start();
                    op.get();
                    ms[i] = (float) timer.stopMs();
                }
            }
        }
        Arrays.sort(ms);
        return ms[ms.length / 2];
    }

    static void gflops(String name, double flops, Supplier<Tensor> op) {
        double ms = median(op);
        System.out.printf(Locale.ROOT, "%-40s %9.3f ms %8.1f TFLOP/s%n", name, ms, flops / ms / 1e9);
    }

    static void gbs(String name, double bytes, Supplier<Tensor> op) {
        double ms = median(op);
        System.out.printf(Locale.ROOT, "%-40s %9.3f ms %8.1f GB/s%n", name, ms, bytes / ms / 1e6);
    }
}
