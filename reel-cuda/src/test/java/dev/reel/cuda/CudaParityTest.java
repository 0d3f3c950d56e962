package dev.reel.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.AdamWStep;
import dev.reel.core.AttentionBackend;
import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.MemoryStats;
import dev.reel.core.Scope;
import dev.reel.core.SystemOptions;
import dev.reel.core.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every CUDA op against the CPU backend on random inputs: the GPU result in bf16 within 1e-2 and in fp32
 * within 1e-5 (relative L2 error ‖gpu − cpu‖ / ‖cpu‖), the CPU computing on exactly the values the GPU holds.
 * Needs a GPU: tagged "gpu" (excluded by default) and skipped with a message where CUDA is absent.
 */
@Tag("gpu")
class CudaParityTest {
    static CudaBackend gpu;
    static final Backend cpu = Backends.cpu();
    static final Random rnd = new Random(20261123);
    static final List<String> report = new ArrayList<>();

    @BeforeAll
    static void open() {
        String why = new CudaBackendProvider().unavailableReason(SystemOptions.defaults());
        Assumptions.assumeTrue(why == null, () -> "no CUDA device, GPU parity tests skipped: " + why);
        gpu = (CudaBackend) Backends.of(Device.cuda(0));
        System.out.println("GPU: " + gpu);
    }

    @AfterAll
    static void table() {
        if (report.isEmpty()) return;
        System.out.println("---- CUDA parity (relative L2 error vs CPU) ----");
        report.forEach(System.out::println);
    }

    static double tol(DType t) { return t == DType.F32 ? 1e-5 : 1e-2; }

    static float[] randn(long n, double scale) {
        float[] f = new float[Math.toIntExact(n)];
        for (int i = 0; i < f.length; i++) f[i] = (float) (rnd.nextGaussian() * scale);
        return f;
    }

    /** A random GPU tensor and the CPU (fp32) tensor holding exactly the same (rounded) values. */
    record Pair(Tensor g, Tensor c) {}

    static Pair rand(DType t, double scale, int... shape) {
        Tensor g = gpu.fromFloats(randn(Tensor.numel(shape), scale), t, shape);
        return new Pair(g, cpu.fromFloats(g.toFloatArray(), DType.F32, shape));
    }

    static double relErr(float[] got, float[] ref) {
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = (double) got[i] - ref[i];
            if (Double.isNaN(got[i])) return Double.NaN;
            num += d * d;
            den += (double) ref[i] * ref[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    static void check(String name, DType t, Tensor g, Tensor c) {
        check(name, t, g, c, tol(t));
    }

    static void check(String name, DType t, Tensor g, Tensor c, double tol) {
        assertArrayEquals(c.shape(), g.shape(), name + ": shape");
        float[] got = g.toFloatArray(), ref = c.toFloatArray();
        double e = relErr(got, ref);
        report.add(String.format(Locale.ROOT, "%-34s %-5s rel %.2e (tol %.0e)", name, t, e, tol));
        assertTrue(e <= tol, name + " " + t + ": relative error " + e + " > " + tol);
    }

    // ---------------------------------------------------------------- seeded values

    /** The GPU's in-place draw is the host's (SplittableRandom's values), bit for bit, in every float dtype. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void uniformDrawsTheHostsValuesBitForBit(DType t) {
        double[][] ranges = {{-0.0255, 0.0255, 0}, {-0.1, 0.1, 1.0}, {-3, -1e-3, 0}, {0, 1, 0}};
        int[] shape = {3, 1_000_003};   // more elements than one grid covers in one pass
        for (double[] r : ranges) {
            long seed = 0x5EEDL * (long) (r[0] * 1000);
            float[] g = gpu.uniform(seed, r[0], r[1], r[2], t, shape).toFloatArray();
            float[] c = cpu.uniform(seed, r[0], r[1], r[2], t, shape).toFloatArray();
            assertArrayEquals(c, g, "uniform " + java.util.Arrays.toString(r) + " " + t);
        }
        report.add(String.format(Locale.ROOT, "%-34s %-5s bit for bit", "uniform (seeded, in place)", t));
    }

    // ---------------------------------------------------------------- elementwise

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void binaryOpsBroadcast(DType t) {
        Pair a = rand(t, 1, 2, 3, 40), b = rand(t, 1, 3, 1), c = rand(t, 1, 40);
        check("add [2,3,40]+[3,1]", t, gpu.add(a.g(), b.g()), cpu.add(a.c(), b.c()));
        check("sub [2,3,40]-[40]", t, gpu.sub(a.g(), c.g()), cpu.sub(a.c(), c.c()));
        check("mul [2,3,40]*[3,1]", t, gpu.mul(a.g(), b.g()), cpu.mul(a.c(), b.c()));
        Pair d = rand(t, 1, 2, 3, 40);
        Tensor dg = gpu.addScalar(gpu.unary(Backend.Unary.ABS, d.g()), 0.5f);
        Tensor dc = cpu.fromFloats(dg.toFloatArray(), DType.F32, dg.shape());
        check("div [2,3,40]/[2,3,40]", t, gpu.div(a.g(), dg), cpu.div(a.c(), dc));
        check("scale", t, gpu.scale(a.g(), 0.37f), cpu.scale(a.c(), 0.37f));
        check("addScalar", t, gpu.addScalar(a.g(), -1.25f), cpu.addScalar(a.c(), -1.25f));
        check("clamp", t, gpu.clamp(a.g(), -0.5f, 0.75f), cpu.clamp(a.c(), -0.5f, 0.75f));
        // vectorised path: rows of 64, broadcast bias [64]
        Pair x = rand(t, 1, 33, 64), y = rand(t, 1, 64);
        check("add vec [33,64]+[64]", t, gpu.add(x.g(), y.g()), cpu.add(x.c(), y.c()));
        // strided: transposed operands
        check("add transposed views", t, gpu.add(x.g().transpose(0, 1), x.g().transpose(0, 1)), cpu.add(x.c().transpose(0, 1), x.c().transpose(0, 1)));
    }

    @ParameterizedTest
    @EnumSource(Backend.Unary.class)
    void unaryOps(Backend.Unary op) {
        for (DType t : new DType[] {DType.F32, DType.BF16}) {
            Pair a = rand(t, 1, 7, 64);
            Tensor ga = a.g(), ca = a.c();
            if (op == Backend.Unary.SQRT || op == Backend.Unary.RSQRT) {
                ga = gpu.addScalar(gpu.unary(Backend.Unary.ABS, ga), 0.1f);
                ca = cpu.fromFloats(ga.toFloatArray(), DType.F32, ga.shape());
            }
            check("unary " + op, t, gpu.unary(op, ga), cpu.unary(op, ca));
        }
    }

    @Test
    void fusedModulateGatedResidualRope() {
        for (DType t : new DType[] {DType.F32, DType.BF16}) {
            Pair x = rand(t, 1, 2, 24, 64), sh = rand(DType.F32, 0.5, 2, 1, 64), sc = rand(DType.F32, 0.5, 2, 1, 64);
            check("modulate", t, gpu.modulate(x.g(), sh.g(), sc.g()), cpu.modulate(x.c(), sh.c(), sc.c()));
            Pair y = rand(t, 1, 2, 24, 64), gate = rand(DType.F32, 0.5, 2, 1, 64);
            check("gatedResidual", t, gpu.gatedResidual(x.g(), y.g(), gate.g()), cpu.gatedResidual(x.c(), y.c(), gate.c()));
            Pair q = rand(t, 1, 2, 24, 3, 16);
            Pair ang = rand(DType.F32, 2, 24, 8);
            Tensor cosG = gpu.unary(Backend.Unary.COS, ang.g()), sinG = gpu.unary(Backend.Unary.SIN, ang.g());
            Tensor cosC = cpu.fromFloats(cosG.toFloatArray(), DType.F32, 24, 8), sinC = cpu.fromFloats(sinG.toFloatArray(), DType.F32, 24, 8);
            check("rope", t, gpu.rope(q.g(), cosG, sinG), cpu.rope(q.c(), cosC, sinC));
            // rope on a strided view (q split out of a fused projection)
            Pair qkv = rand(t, 1, 2, 24, 3 * 48);
            Tensor qg = qkv.g().narrow(2, 48, 48).reshape(2, 24, 3, 16);
            Tensor qc = qkv.c().narrow(2, 48, 48).reshape(2, 24, 3, 16);
            check("rope strided", t, gpu.rope(qg, cosG, sinG), cpu.rope(qc, cosC, sinC));
        }
    }

    /**
     * The VAE's channel RMS norm in bf16, normalised in bf16 as Diffusers' {@code F.normalize} does (the norm
     * accumulated in fp32), against the CPU's fp32 on the same bf16 values: within a few bf16 roundings.
     */
    @Test
    void vaeRmsNormInBf16() {
        int c = 96;
        Pair x = rand(DType.BF16, 3, 1, c, 4, 6, 10), gamma = rand(DType.BF16, 0.2, c, 1, 1, 1);
        dev.reel.models.wan.WanRMSNorm onGpu = new dev.reel.models.wan.WanRMSNorm(c, false, false), onCpu = new dev.reel.models.wan.WanRMSNorm(c, false, false);
        onGpu.gamma.set(gamma.g());
        onCpu.gamma.set(gamma.c());
        Tensor out = onGpu.forward(x.g());
        assertEquals(DType.BF16, out.dtype());
        double err = relErr(out.toFloatArray(), onCpu.forward(x.c()).toFloatArray());
        System.out.printf(Locale.ROOT, "VAE RMS norm bf16 against fp32: rel %.2e%n", err);
        assertTrue(err < 8e-3, "rel err " + err);
    }

    /**
     * The multi-tensor norms gradient clipping reads: tensors of one value, of a chunk and one past it, several chunks,
     * none at all, and one at an address off 16 bytes (the scalar loads), against the CPU's per-tensor norms.
     */
    @Test
    void multiTensorNormsMatchTheCpu() {
        int chunk = CudaMultiTensor.CHUNK;
        Pair whole = rand(DType.F32, 1.0, 3 * chunk + 7);
        List<Pair> xs = List.of(rand(DType.F32, 1.0, 1), rand(DType.F32, 0.5, chunk), rand(DType.F32, 2.0, chunk + 1),
                rand(DType.F32, 1.0, 200_003), rand(DType.F32, 1.0, 0), new Pair(whole.g().narrow(0, 1, 2 * chunk + 5), whole.c().narrow(0, 1, 2 * chunk + 5)),
                rand(DType.F32, 1e-3, 40, 33));
        Tensor got = gpu.norms(xs.stream().map(Pair::g).toList());
        Tensor ref = cpu.norms(xs.stream().map(Pair::c).toList());
        assertArrayEquals(new int[] {xs.size()}, got.shape());
        assertEquals(DType.F32, got.dtype());
        float[] g = got.toFloatArray(), r = ref.toFloatArray();
        for (int i = 0; i < r.length; i++) assertEquals(r[i], g[i], 1e-5 * Math.max(r[i], 1e-6), "norm of tensor " + i);
        assertArrayEquals(g, gpu.norms(xs.stream().map(Pair::g).toList()).toFloatArray(), 0f, "deterministic");
    }

    @Test
    void fusedAdamWMatchesTheCpuBitForBit() {
        int n = 100_003;   // a tail past the last full block
        Pair p = rand(DType.F32, 1.0, n), m = rand(DType.F32, 0.1, n), g = rand(DType.F32, 0.5, n);
        Pair v = rand(DType.F32, 0.01, n);
        Tensor vg = gpu.unary(Backend.Unary.ABS, v.g()), vc = cpu.unary(Backend.Unary.ABS, v.c());
        AdamWStep s = new AdamWStep(0.9f, 0.999f, 1e-8f, 1 - 1e-3f * 0.01f, (float) (1e-3 / (1 - Math.pow(0.9, 3))), (float) Math.sqrt(1 - Math.pow(0.999, 3)), 0.3183f);   // with a clipping coefficient
        gpu.adamw(p.g(), g.g(), m.g(), vg, s);
        cpu.adamw(p.c(), g.c(), m.c(), vc, s);
        assertArrayEquals(p.c().toFloatArray(), p.g().toFloatArray(), 0f, "param");
        assertArrayEquals(m.c().toFloatArray(), m.g().toFloatArray(), 0f, "exp_avg");
        assertArrayEquals(vc.toFloatArray(), vg.toFloatArray(), 0f, "exp_avg_sq");
    }

    @Test
    void castsAndCopies() {
        Pair a = rand(DType.F32, 3, 5, 6, 7);
        Tensor bf = gpu.cast(a.g(), DType.BF16);
        Tensor back = gpu.cast(bf, DType.F32);
        float[] src = a.g().toFloatArray(), got = back.toFloatArray();
        for (int i = 0; i < src.length; i++) assertEquals(dev.reel.core.Half.bf16ToFloat(dev.reel.core.Half.floatToBf16(src[i])), got[i], 0f, "bf16 rounding at " + i);
        Tensor h = gpu.cast(a.g(), DType.F16);
        float[] hf = h.toFloatArray();
        for (int i = 0; i < src.length; i++) assertEquals(dev.reel.core.Half.f16ToFloat(dev.reel.core.Half.floatToF16(src[i])), hf[i], 0f, "f16 rounding at " + i);
        check("contiguous(permute)", DType.F32, gpu.contiguous(a.g().permute(2, 0, 1)), cpu.contiguous(a.c().permute(2, 0, 1)));
        Tensor dst = gpu.zeros(DType.BF16, 5, 6, 7);
        gpu.copyInto(dst.narrow(1, 2, 3), a.g().narrow(1, 0, 3));
        Tensor dstC = cpu.zeros(DType.F32, 5, 6, 7);
        cpu.copyInto(dstC.narrow(1, 2, 3), a.c().narrow(1, 0, 3));
        check("copyInto narrow + cast", DType.BF16, dst, dstC);
        Tensor i64 = gpu.fromFloats(new float[] {1, -2, 300000}, DType.I64, 3);
        assertArrayEquals(new float[] {1, -2, 300000}, gpu.contiguous(i64).toFloatArray());
        // host round trips
        Tensor fromCpu = gpu.copyFrom(a.c());
        assertArrayEquals(a.c().toFloatArray(), fromCpu.toFloatArray());
        try (Arena ar = Arena.ofConfined()) {
            MemorySegment seg = ar.allocate(6 * 2L);
            short[] bits = {dev.reel.core.Half.floatToBf16(1.5f), dev.reel.core.Half.floatToBf16(-2f), 0, 0x3f80, 0x4000, (short) 0xbf80};
            MemorySegment.copy(bits, 0, seg, ValueLayout.JAVA_SHORT_UNALIGNED, 0, 6);
            Tensor t = gpu.fromSegment(seg, DType.BF16, DType.F32, 2, 3);
            assertArrayEquals(new float[] {1.5f, -2f, 0f, 1f, 2f, -1f}, t.toFloatArray());
        }
        Tensor full = gpu.full(2.5f, DType.BF16, 3, 3);
        for (float f : full.toFloatArray()) assertEquals(2.5f, f);
    }

    // ---------------------------------------------------------------- linear algebra

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void matmulLayouts(DType t) {
        Pair a = rand(t, 1, 3, 37, 64), b = rand(t, 1, 3, 64, 48);
        check("matmul batched", t, gpu.matmul(a.g(), b.g()), cpu.matmul(a.c(), b.c()));
        Pair w = rand(t, 1, 64, 48);
        check("matmul broadcast rhs", t, gpu.matmul(a.g(), w.g()), cpu.matmul(a.c(), w.c()));
        Pair bt = rand(t, 1, 3, 48, 64);
        check("matmul a·bᵀ (view)", t, gpu.matmul(a.g(), bt.g().transpose(1, 2)), cpu.matmul(a.c(), bt.c().transpose(1, 2)));
        Pair at = rand(t, 1, 3, 64, 37);
        check("matmul aᵀ·b (view)", t, gpu.matmul(at.g().transpose(1, 2), b.g()), cpu.matmul(at.c().transpose(1, 2), b.c()));
        Pair q = rand(t, 1, 2, 4, 33, 16), k = rand(t, 1, 2, 4, 29, 16);
        check("matmul 4-D q·kᵀ", t, gpu.matmul(q.g(), k.g().transpose(2, 3)), cpu.matmul(q.c(), k.c().transpose(2, 3)));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void linearWithBiasAndGelu(DType t) {
        Pair x = rand(t, 1, 2, 37, 96), w = rand(t, 0.1, 80, 96), b = rand(t, 1, 80);
        check("linear+bias", t, gpu.linear(x.g(), w.g(), b.g()), cpu.linear(x.c(), w.c(), b.c()));
        check("linear", t, gpu.linear(x.g(), w.g(), null), cpu.linear(x.c(), w.c(), null));
        check("linear gelu-tanh epilogue", t, gpu.linearGeluTanh(x.g(), w.g(), b.g()), cpu.geluTanh(cpu.linear(x.c(), w.c(), b.c())));
        check("linear strided x", t, gpu.linear(x.g().narrow(1, 3, 20), w.g(), b.g()), cpu.linear(x.c().narrow(1, 3, 20), w.c(), b.c()));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void convolutions(DType t) {
        Pair x = rand(t, 1, 2, 5, 4, 9, 10), w = rand(t, 0.2, 7, 5, 3, 3, 3), b = rand(t, 1, 7);
        check("conv3d 3×3×3 pad 1", t, gpu.conv3d(x.g(), w.g(), b.g(), new int[] {1, 1, 1}, new int[] {1, 1, 1}),
                cpu.conv3d(x.c(), w.c(), b.c(), new int[] {1, 1, 1}, new int[] {1, 1, 1}));
        Pair wp = rand(t, 0.2, 6, 5, 1, 2, 2);
        check("conv3d patchify 1×2×2/s(1,2,2)", t, gpu.conv3d(x.g(), wp.g(), null, new int[] {1, 2, 2}, new int[] {0, 0, 0}),
                cpu.conv3d(x.c(), wp.c(), null, new int[] {1, 2, 2}, new int[] {0, 0, 0}));
        Pair w1 = rand(t, 0.2, 3, 5, 1, 1, 1);
        check("conv3d 1×1×1", t, gpu.conv3d(x.g(), w1.g(), b.g().narrow(0, 0, 3), new int[] {1, 1, 1}, new int[] {0, 0, 0}),
                cpu.conv3d(x.c(), w1.c(), b.c().narrow(0, 0, 3), new int[] {1, 1, 1}, new int[] {0, 0, 0}));
        Pair x2 = rand(t, 1, 2, 4, 11, 12), w2 = rand(t, 0.2, 6, 4, 3, 3);
        check("conv2d 3×3 s2 p1", t, gpu.conv2d(x2.g(), w2.g(), b.g().narrow(0, 0, 6), new int[] {2, 2}, new int[] {1, 1}),
                cpu.conv2d(x2.c(), w2.c(), b.c().narrow(0, 0, 6), new int[] {2, 2}, new int[] {1, 1}));
    }

    // ---------------------------------------------------------------- normalisation and attention

    /** The VAE's channel RMS norm in one pass: against the CPU's composition, and against the GPU's own composed ops. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void channelNorm(DType t) {
        // S = 1560 and 520 take the vectorised kernel, S = 63 the scalar one
        for (int[] shape : new int[][] {{1, 96, 3, 20, 26}, {2, 384, 1, 7, 9}, {1, 384, 20, 26}, {2, 40, 1, 20, 26}}) {
            int c = shape[1];
            int[] gShape = new int[shape.length - 1];   // [C, 1, 1(, 1)] as the checkpoint stores it
            java.util.Arrays.fill(gShape, 1);
            gShape[0] = c;
            Pair x = rand(t, 1, shape), gamma = rand(t, 1, gShape);
            float scale = (float) Math.sqrt(c);
            for (boolean silu : new boolean[] {false, true}) {
                String name = "channelNorm " + java.util.Arrays.toString(shape) + (silu ? " + SiLU" : "");
                Tensor g = gpu.channelNorm(x.g(), gamma.g(), scale, 1e-12f, silu);
                check(name, t, g, cpu.channelNorm(x.c(), gamma.c(), scale, 1e-12f, silu));
                Tensor n = gpu.clamp(gpu.norm(x.g(), 1, true), 1e-12f, Float.MAX_VALUE);
                Tensor composed = gpu.mul(gpu.scale(gpu.div(x.g(), n), scale), gamma.g());
                check(name + " = composed", t, g, silu ? gpu.silu(composed) : composed, t == DType.F32 ? 1e-6 : 2e-3);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void norms(DType t) {
        Pair x = rand(t, 2, 3, 17, 96), w = rand(t, 1, 96), b = rand(t, 1, 96);
        Tensor xg = gpu.addScalar(x.g(), 0.7f), xc = cpu.fromFloats(xg.toFloatArray(), DType.F32, xg.shape());
        check("layerNorm affine", t, gpu.layerNorm(xg, w.g(), b.g(), 1e-6f), cpu.layerNorm(xc, w.c(), b.c(), 1e-6f));
        check("layerNorm plain", t, gpu.layerNorm(xg, null, null, 1e-6f), cpu.layerNorm(xc, null, null, 1e-6f));
        check("rmsNorm", t, gpu.rmsNorm(xg, w.g(), 1e-6f), cpu.rmsNorm(xc, w.c(), 1e-6f));
        Pair odd = rand(t, 2, 5, 30), ow = rand(t, 1, 30), ob = rand(t, 1, 30);  // D % 8 != 0: the scalar kernels
        check("layerNorm D=30", t, gpu.layerNorm(odd.g(), ow.g(), ob.g(), 1e-5f), cpu.layerNorm(odd.c(), ow.c(), ob.c(), 1e-5f));
        check("rmsNorm D=30", t, gpu.rmsNorm(odd.g(), ow.g(), 1e-5f), cpu.rmsNorm(odd.c(), ow.c(), 1e-5f));
        Pair wide = rand(t, 1, 3, 1536), ww = rand(DType.F32, 1, 1536);
        check("layerNorm D=1536 fp32 weight", t, gpu.layerNorm(wide.g(), ww.g(), null, 1e-6f), cpu.layerNorm(wide.c(), ww.c(), null, 1e-6f));
        check("softmax", t, gpu.softmax(xg), cpu.softmax(xc));
        Pair v = rand(t, 1, 2, 32, 3, 6, 7), gw = rand(t, 1, 32), gb = rand(t, 1, 32);
        Tensor vg = gpu.addScalar(v.g(), 0.3f), vc = cpu.fromFloats(vg.toFloatArray(), DType.F32, vg.shape());
        check("groupNorm 8 groups", t, gpu.groupNorm(vg, 8, gw.g(), gb.g(), 1e-6f), cpu.groupNorm(vc, 8, gw.c(), gb.c(), 1e-6f));
        check("groupNorm plain", t, gpu.groupNorm(vg, 32, null, null, 1e-5f), cpu.groupNorm(vc, 32, null, null, 1e-5f));
    }

    @ParameterizedTest
    @EnumSource(AttentionBackend.class)
    void fusedAttention(AttentionBackend choice) {
        CudaBackend be = (CudaBackend) Backends.of(Device.cuda(0), SystemOptions.defaults().withAttention(choice));
        AttentionBackend engine = be.attentionBackend();
        assertEquals(choice == AttentionBackend.FLASH ? AttentionBackend.FLASH : AttentionBackend.SDPA, engine, "cuDNN is installed on the GPU machines");
        for (int d : new int[] {64, 128}) {
            for (int[] lens : new int[][] {{128, 128}, {200, 77}, {37, 300}, {1000, 1000}}) {
                DType t = DType.BF16;
                // q/k/v as the model makes them: [B, L, H, D] projections viewed as [B, H, L, D]
                Pair q = rand(t, 1, 2, lens[0], 3, d), k = rand(t, 1, 2, lens[1], 3, d), v = rand(t, 1, 2, lens[1], 3, d);
                float scale = (float) (1 / Math.sqrt(d));
                Tensor g = be.attention(q.g().transpose(1, 2), k.g().transpose(1, 2), v.g().transpose(1, 2), null, scale);
                Tensor c = cpu.attention(q.c().transpose(1, 2), k.c().transpose(1, 2), v.c().transpose(1, 2), null, scale);
                check("attention " + engine + " d" + d + " Lq" + lens[0] + " Lk" + lens[1], t, g, c);
            }
        }
        Pair q = rand(DType.F16, 1, 1, 2, 150, 64), k = rand(DType.F16, 1, 1, 2, 90, 64), v = rand(DType.F16, 1, 1, 2, 90, 64);
        check("attention " + engine + " f16", DType.F16, be.attention(q.g(), k.g(), v.g(), null, 0.125f), cpu.attention(q.c(), k.c(), v.c(), null, 0.125f));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void exactAttentionWithBias(DType t) {
        Pair q = rand(t, 1, 2, 4, 21, 32), k = rand(t, 1, 2, 4, 19, 32), v = rand(t, 1, 2, 4, 19, 24);
        Pair bias = rand(DType.F32, 1, 1, 4, 21, 19);
        check("attention + bias", t, gpu.attention(q.g(), k.g(), v.g(), bias.g(), 0.2f), cpu.attention(q.c(), k.c(), v.c(), bias.c(), 0.2f));
        check("attention no bias (exact)", t, gpu.attention(q.g(), k.g(), v.g(), null, 0.2f), cpu.attention(q.c(), k.c(), v.c(), null, 0.2f));
    }

    // ---------------------------------------------------------------- reductions and structure

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void reductions(DType t) {
        Pair x = rand(t, 1, 4, 50, 6);
        for (int dim : new int[] {0, 1, 2}) {
            check("sum dim " + dim, t, gpu.sum(x.g(), dim, false), cpu.sum(x.c(), dim, false));
            check("mean dim " + dim, t, gpu.mean(x.g(), dim, true), cpu.mean(x.c(), dim, true));
            check("max dim " + dim, t, gpu.max(x.g(), dim, false), cpu.max(x.c(), dim, false));
            check("norm dim " + dim, t, gpu.norm(x.g(), dim, false), cpu.norm(x.c(), dim, false));
        }
        // long reduced dims take the tiled column kernel: a bias gradient's [rows, D] over rows, and a middle dim
        Pair rows = rand(t, 1, 2100, 70), mid = rand(t, 1, 3, 700, 45);
        for (int dim : new int[] {0, 1}) {
            Pair y = dim == 0 ? rows : mid;
            check("long sum dim " + dim, t, gpu.sum(y.g(), dim, false), cpu.sum(y.c(), dim, false));
            check("long mean dim " + dim, t, gpu.mean(y.g(), dim, true), cpu.mean(y.c(), dim, true));
            check("long max dim " + dim, t, gpu.max(y.g(), dim, false), cpu.max(y.c(), dim, false));
            check("long norm dim " + dim, t, gpu.norm(y.g(), dim, false), cpu.norm(y.c(), dim, false));
        }
        // few outputs over a very long dim take the split kernels: rows (a flattened gradient's norm) and columns
        Pair flat = rand(t, 1, 3, 70_001), tall = rand(t, 1, 9000, 40);
        for (Pair y : new Pair[] {flat, tall}) {
            int dim = y == flat ? 1 : 0;
            check("split sum dim " + dim, t, gpu.sum(y.g(), dim, false), cpu.sum(y.c(), dim, false));
            check("split mean dim " + dim, t, gpu.mean(y.g(), dim, true), cpu.mean(y.c(), dim, true));
            check("split max dim " + dim, t, gpu.max(y.g(), dim, false), cpu.max(y.c(), dim, false));
            check("split norm dim " + dim, t, gpu.norm(y.g(), dim, false), cpu.norm(y.c(), dim, false));
        }
        check("split norm of all", t, gpu.norm(flat.g().reshape(-1), 0, true), cpu.norm(flat.c().reshape(-1), 0, true));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void structure(DType t) {
        Pair a = rand(t, 1, 2, 3, 4), b = rand(t, 1, 2, 5, 4);
        check("concat dim 1", t, gpu.concat(1, a.g(), b.g()), cpu.concat(1, a.c(), b.c()));
        check("pad (1,2,0,3)", t, gpu.pad(a.g(), new int[] {1, 2, 0, 3}, 0.5f), cpu.pad(a.c(), new int[] {1, 2, 0, 3}, 0.5f));
        check("pad crop (-1,1)", t, gpu.pad(a.g(), new int[] {-1, 1}, 0f), cpu.pad(a.c(), new int[] {-1, 1}, 0f));
        check("upsampleNearest2x", t, gpu.upsampleNearest2x(a.g()), cpu.upsampleNearest2x(a.c()));
        Pair w = rand(t, 1, 10, 8);
        int[] ids = {3, 0, 9, 3, 7, 1};
        check("embedding", t, gpu.embedding(w.g(), ids, 2, 3), cpu.embedding(w.c(), ids, 2, 3));
        assertThrows(dev.reel.core.ShapeException.class, () -> gpu.embedding(w.g(), new int[] {10}, 1));
    }

    // ---------------------------------------------------------------- memory, errors, graphs

    @Test
    void scopesReturnMemoryToThePool() {
        long inside;
        Tensor a, b;
        try (Scope s = Scope.open()) {
            a = gpu.empty(DType.F32, 1 << 20);
            b = gpu.add(a, a);
            gpu.synchronize();
            inside = gpu.memoryStats().inUseBytes();
            assertEquals(2, s.ownedCount());
        }
        assertTrue(a.storage().isFreed() && b.storage().isFreed(), "scope close frees both");
        gpu.synchronize();
        // other storages may be returned meanwhile (unreachable ones), never taken: the drop is at least ours
        assertTrue(inside - gpu.memoryStats().inUseBytes() >= 8L << 20, "the pool's use drops by the two 4 MiB tensors");
    }

    @Test
    void outOfMemoryIsAReelException() {
        CudaOutOfMemoryException e = assertThrows(CudaOutOfMemoryException.class, () -> gpu.empty(DType.F32, 100_000, 1_000_000));
        assertTrue(e.getMessage().contains("MiB") && e.getMessage().contains("pool"), e.getMessage());
        assertEquals(400_000_000_000L, e.requestedBytes());
        // the device is still usable afterwards
        assertArrayEquals(new float[] {2f}, gpu.add(gpu.full(1f, DType.F32, 1), gpu.full(1f, DType.F32, 1)).toFloatArray());
        report.add("out-of-memory message: " + e.getMessage());
    }

    @Test
    void graphCaptureReplays() {
        Pair a = rand(DType.BF16, 1, 64, 64);
        Tensor out = gpu.empty(DType.BF16, 64, 64);
        BiFunction<Backend, Tensor, Tensor> f = (be, x) -> be.layerNorm(be.add(be.mul(x, x), x), null, null, 1e-6f);
        try (Scope s = Scope.open()) {
            gpu.copyInto(out, f.apply(gpu, a.g()));  // warm-up: compiles and loads the kernels outside the capture
        }
        gpu.copyInto(out, gpu.zeros(DType.BF16, 64, 64));
        try (CudaGraph g = gpu.capture(() -> {
            try (Scope s = Scope.open()) {
                gpu.copyInto(out, f.apply(gpu, a.g()));
            }
        })) {
            gpu.synchronize();
            g.replay();
            g.replay();
            gpu.synchronize();
            check("graph replay", DType.BF16, out, f.apply(cpu, a.c()));
        }
    }

    @Test
    void backendsFindsTheProvider() {
        assertTrue(Backends.available(Device.Type.CUDA));
        assertEquals(Device.cuda(0), Backends.of(Device.cuda(0)).device());
        Tensor t = Backends.of(Device.cuda(0)).zeros(DType.BF16, 2, 2);
        assertEquals(Device.cuda(0), t.device());
        assertArrayEquals(new float[4], t.toFloatArray());
    }

    @Test
    void frontsOfOneDeviceShareItsStreamAndMemoryAndTensorsKeepTheirFront() {
        CudaBackend flash = (CudaBackend) Backends.of(Device.cuda(0), SystemOptions.defaults().withAttention(AttentionBackend.FLASH));
        assertSame(flash, Backends.of(Device.cuda(0), SystemOptions.defaults().withAttention(AttentionBackend.FLASH)), "cached per device and options");
        Pair a = rand(DType.F32, 1, 1000);
        Tensor b = flash.add(a.g(), a.g());  // a tensor of the default front used by another front of the device
        assertSame(flash, b.backend());
        assertSame(gpu, a.g().backend());
        check("add across fronts", DType.F32, b.add(a.g()), cpu.scale(a.c(), 3f));
    }

    @Test
    void memoryStatsFollowTheDevicePool() {
        gpu.synchronize();
        MemoryStats before = gpu.memoryStats();
        gpu.resetPeakMemory();
        long bytes = 64L << 20;
        try (Scope s = Scope.open()) {
            gpu.empty(DType.U8, (int) bytes);
            MemoryStats m = gpu.memoryStats();
            assertTrue(m.inUseBytes() >= before.inUseBytes() + bytes, before + " → " + m);
            assertTrue(m.reservedBytes() >= m.inUseBytes(), m.toString());
        }
        gpu.synchronize();
        assertTrue(gpu.memoryStats().peakBytes() >= before.inUseBytes() + bytes);
        assertTrue(gpu.memoryStats().inUseBytes() <= before.inUseBytes(), "freed at the scope's end");
    }

    @Test
    void timerMeasuresQueuedWork() {
        Pair x = rand(DType.BF16, 1, 2048, 2048);
        try (var t = gpu.timer()) {
            t.start();
            for (int i = 0; i < 10; i++) gpu.matmul(x.g(), x.g()).free();
            double ms = t.stopMs();
            assertTrue(ms > 0 && ms < 60_000, "ms = " + ms);
        }
    }
}
