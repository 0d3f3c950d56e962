package dev.reel.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AdamWFusedTest {
    private static final Backend CPU = Backends.cpu();

    /** The CPU backend with its own adamw hidden: the interface's composed default runs instead. */
    private static final Backend COMPOSED = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
            (proxy, m, args) -> {
                if (m.getName().equals("adamw")) return InvocationHandler.invokeDefault(proxy, m, args);
                try { return m.invoke(CPU, args); } catch (InvocationTargetException e) { throw e.getCause(); }
            });

    private static Tensor randn(Random r, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian() * scale;
        return CPU.fromFloats(v, DType.F32, n);
    }

    @Test void oneFusedPassEqualsTheComposedOpsBitForBit() {
        Random r = new Random(7);
        int n = 40_000;   // several worker blocks
        Tensor p0 = randn(r, n, 1f), m0 = randn(r, n, 0.1f), g = randn(r, n, 0.5f);
        float[] vs = randn(r, n, 0.01f).toFloatArray();
        for (int i = 0; i < n; i++) vs[i] = Math.abs(vs[i]);
        Tensor v0 = CPU.fromFloats(vs, DType.F32, n);
        // step 3 of torch.optim.AdamW at lr 1e-3, weight decay 0.01
        AdamWStep s = new AdamWStep(0.9f, 0.999f, 1e-8f, 1 - 1e-3f * 0.01f, (float) (1e-3 / (1 - Math.pow(0.9, 3))), (float) Math.sqrt(1 - Math.pow(0.999, 3)), 0.3183f);   // with a clipping coefficient
        Tensor[] fused = {CPU.contiguous(p0), CPU.contiguous(m0), CPU.contiguous(v0)};
        Tensor[] composed = {CPU.contiguous(p0), CPU.contiguous(m0), CPU.contiguous(v0)};
        CPU.adamw(fused[0], g, fused[1], fused[2], s);
        COMPOSED.adamw(composed[0], g, composed[1], composed[2], s);
        String[] names = {"param", "exp_avg", "exp_avg_sq"};
        for (int i = 0; i < 3; i++) assertArrayEquals(composed[i].toFloatArray(), fused[i].toFloatArray(), 0f, names[i]);
    }
}
