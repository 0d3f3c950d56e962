package dev.reel.train.autograd;

import dev.reel.core.Backend;
import dev.reel.core.Backend.Unary;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.DeviceTimer;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Times the fused tanh-GELU and layer/RMS-norm backwards on the GPU at the Wan2.1-1.3B training step's shapes (33×480×832:
 * 14,040 tokens, dim 1536, FFN 8960, bf16) next to the composed gradients autograd runs without them ({@link Pointwise},
 * {@link NormGrad} on a front that declines the fused ops): {@code java -cp ... dev.reel.train.autograd.FusedBackwardBench [tokens]}.
 * Prints ms (median of 10 after warm-up) and GB/s of the fused op's own traffic (x and g read, dx written); a fused op
 * that declines (null) fails the bench rather than timing nothing. Here and not
 * in {@code dev.reel.cuda.CudaOpsBench} because the composed formulas live in this module, which reel-cuda cannot see.
 */
public final class FusedBackwardBench {
    private static final Set<String> FUSED = Set.of("geluTanhBackward", "layerNormBackward", "rmsNormBackward");

    private FusedBackwardBench() {}

    public static void main(String[] args) {
        int l = args.length > 0 ? Integer.parseInt(args[0]) : 14040;
        Backend gpu = Backends.of(Device.cuda(0));
        Backend composed = declining(gpu);
        System.out.println("device: " + gpu.deviceName() + ", tokens " + l);
        int d = 1536, ff = 8960;
        DType bf = DType.BF16;
        Tensor h = rand(gpu, bf, l, ff), gh = rand(gpu, bf, l, ff);
        Tensor x = rand(gpu, bf, 1, l, d), g = rand(gpu, bf, 1, l, d), w = rand(gpu, bf, d);
        double gelu = 3.0 * l * ff * 2, norm = 3.0 * l * d * 2;   // bytes: x, g and dx in bf16
        boolean[] dxOnly = {true, false, false}, affine = {true, true, true}, rmsW = {true, true};
        row(gpu, "geluTanh backward [L, 8960]", gelu,
                () -> gpu.geluTanhBackward(h, gh), () -> Pointwise.backward(composed, Unary.GELU_TANH, h, null, gh));
        row(gpu, "layerNorm backward, no affine (norm1/2)", norm,
                () -> gpu.layerNormBackward(x, null, 1e-6f, g, false), () -> NormGrad.layerNorm(composed, x, null, 1e-6f, g, dxOnly)[0]);
        row(gpu, "layerNorm backward, affine (norm3)", norm,
                () -> gpu.layerNormBackward(x, w, 1e-6f, g, true), () -> NormGrad.layerNorm(composed, x, w, 1e-6f, g, affine)[0]);
        row(gpu, "rmsNorm backward, weight (norm_q/k)", norm,
                () -> gpu.rmsNormBackward(x, w, 1e-6f, g, true), () -> NormGrad.rmsNorm(composed, x, w, 1e-6f, g, rmsW)[0]);
    }

    /** {@code b} with the fused backwards declined (null), so autograd's composed formulas run on it. */
    static Backend declining(Backend b) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, m, a) -> {
            if (FUSED.contains(m.getName())) return null;
            try {
                return m.invoke(b, a);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    private static void row(Backend gpu, String name, double bytes, Supplier<Object> fused, Supplier<Object> composed) {
        try (Scope s = Scope.open()) {
            if (fused.get() == null) throw new IllegalStateException(name + ": the fused op declined");
        }
        double f = median(gpu, fused), c = median(gpu, composed);
        System.out.printf(Locale.ROOT, "%-42s fused %8.3f ms %7.1f GB/s   composed %8.3f ms   %5.1fx%n", name, f, bytes / f / 1e6, c, c / f);
    }

    private static Tensor rand(Backend b, DType t, int... shape) {
        Random r = new Random(shape.length * 31L + shape[shape.length - 1]);
        float[] f = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < f.length; i++) f[i] = (float) r.nextGaussian();
        return b.fromFloats(f, t, shape);
    }

    private static double median(Backend gpu, Supplier<Object> op) {
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
}
