package dev.reel.train.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.AttentionBackend;
import dev.reel.core.Backend;
import dev.reel.core.Backend.Unary;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.Scope;
import dev.reel.core.SystemOptions;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import dev.reel.cuda.CudaBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The tape's gradients on CUDA against the CPU's, for the DiT's ops and the VAE's convolutions: fp32 within 1e-5, bf16
 * within 2e-2 (relative L2); and CUDA's fused attention, tanh-GELU and layer/RMS-norm backwards against the CPU's
 * composed ones.
 */
@Tag("gpu")
class CudaBackwardParityTest {
    static Backend gpu;
    /** Fronts whose attention selection is cuDNN's SDPA, and Reel's flash kernels. */
    static Backend sdpa, flash;
    private static final Backend CPU = Backends.cpu();

    @BeforeAll
    static void open() {
        String why = Backends.unavailableReason(Device.Type.CUDA, SystemOptions.defaults());
        Assumptions.assumeTrue(why == null, () -> "no CUDA device: " + why);
        gpu = Backends.of(Device.cuda(0));
        sdpa = Backends.of(Device.cuda(0), SystemOptions.defaults().withAttention(AttentionBackend.SDPA));
        flash = Backends.of(Device.cuda(0), SystemOptions.defaults().withAttention(AttentionBackend.FLASH));
    }

    record Case(String name, Function<Tensor[], Tensor> f, int[][] shapes) {}

    private static List<Case> cases() {
        Tensor cos = GradCheck.randn(new Random(1), 6, 4), sin = GradCheck.randn(new Random(2), 6, 4);
        return List.of(
                new Case("linear", x -> x[0].backend().linear(x[0], x[1], x[2]), new int[][] {{2, 6, 16}, {24, 16}, {24}}),
                new Case("matmul", x -> x[0].matmul(x[1].transpose(-1, -2)), new int[][] {{2, 5, 8}, {7, 8}}),
                new Case("layerNorm+modulate", x -> x[0].backend().modulate(x[0].backend().layerNorm(x[0], null, null, 1e-6f), x[1], x[2]),
                        new int[][] {{2, 6, 16}, {2, 1, 16}, {2, 1, 16}}),
                new Case("rmsNorm", x -> x[0].backend().rmsNorm(x[0], x[1], 1e-6f), new int[][] {{2, 6, 16}, {16}}),
                new Case("gatedResidual", x -> x[0].backend().gatedResidual(x[0], x[1], x[2]), new int[][] {{2, 6, 16}, {2, 6, 16}, {2, 1, 16}}),
                new Case("rope", x -> x[0].backend().rope(x[0], x[0].backend().copyFrom(cos), x[0].backend().copyFrom(sin)), new int[][] {{1, 6, 2, 8}}),
                new Case("attention", x -> x[0].backend().attention(x[0], x[1], x[2], null, 0.35f), new int[][] {{1, 2, 12, 8}, {1, 2, 9, 8}, {1, 2, 9, 8}}),
                // head dim 64: in bf16 the tape's attention backward runs CUDA's fused flash backward
                new Case("attention d64", x -> x[0].backend().attention(x[0], x[1], x[2], null, 0.125f), new int[][] {{1, 2, 77, 64}, {1, 2, 70, 64}, {1, 2, 70, 64}}),
                new Case("gelu-tanh, silu", x -> x[0].backend().unary(Unary.SILU, x[0].backend().unary(Unary.GELU_TANH, x[0])), new int[][] {{4, 16}}),
                new Case("softmax", x -> x[0].backend().softmax(x[0]), new int[][] {{3, 16}}),
                new Case("conv3d patchify", x -> x[0].backend().conv3d(x[0], x[1], x[2], new int[] {1, 2, 2}, new int[3]), new int[][] {{1, 4, 2, 4, 4}, {8, 4, 1, 2, 2}, {8}}),
                // the VAE's convolutions: in bf16 their gradients run on cuDNN's backward-data and backward-filter engines
                new Case("conv3d 3x3x3, padded", x -> x[0].backend().conv3d(x[0], x[1], x[2], new int[] {1, 1, 1}, new int[] {1, 1, 1}),
                        new int[][] {{2, 8, 3, 6, 6}, {16, 8, 3, 3, 3}, {16}}),
                new Case("conv3d stride 2 (a downsampler)", x -> x[0].backend().conv3d(x[0], x[1], x[2], new int[] {1, 2, 2}, new int[] {0, 1, 1}),
                        new int[][] {{2, 8, 1, 8, 8}, {8, 8, 1, 3, 3}, {8}}),
                new Case("concat, sum, mean", x -> x[0].backend().mean(x[0].backend().concat(1, x[0], x[1]), 1, true), new int[][] {{2, 3, 4}, {2, 5, 4}}));
    }

    @Test void fp32() { check(DType.F32, 1e-5); }

    @Test void bf16() { check(DType.BF16, 2e-2); }

    private void check(DType dtype, double tol) {
        Random rnd = new Random(11);
        for (Case c : cases()) {
            Tensor[] host = new Tensor[c.shapes().length];
            for (int i = 0; i < host.length; i++) host[i] = GradCheck.randn(rnd, c.shapes()[i]);
            float[][] ref = gradients(c, host, CPU, DType.F32), got = gradients(c, host, gpu, dtype);
            for (int i = 0; i < host.length; i++) {
                double err = Compare.relErr(got[i], ref[i]);
                System.out.printf("cuda backward %s %-20s input %d: rel err %.2e%n", dtype, c.name(), i, err);
                assertTrue(err <= tol, c.name() + " input " + i + " (" + dtype + "): " + err + " > " + tol);
            }
        }
    }

    record AttentionCase(int b, int h, int lq, int lk, int d, boolean transposed, DType dtype) {}

    /**
     * Reel's fused flash backward ({@link Backend#attentionBackward} on a {@code flash} front: attention_bwd.cu) against
     * the CPU's composed {@link AttentionGrad}; see {@link #checkFusedAttentionBackward}. Its gradients are fp32.
     */
    @Test void fusedAttentionBackward() { checkFusedAttentionBackward(flash, "Reel's flash backward", false); }

    /**
     * cuDNN's fused SDPA backward (an {@code sdpa} front) on the same cases. It writes its gradients in q's dtype and
     * Reel's kernels write fp32, so a silent fall-back to Reel's kernels fails the dtype assertion instead of passing:
     * a key length that is a multiple of 128 must run on cuDNN, and the others must wherever the training forward
     * kept statistics (cuDNN 9.16 and later; older releases decline them, and the case checks Reel's kernels instead).
     */
    @Test void cudnnAttentionBackward() {
        assertEquals(AttentionBackend.SDPA, ((CudaBackend) sdpa).attentionBackend(), "cuDNN is not usable on this device, so its backward cannot be checked");
        checkFusedAttentionBackward(sdpa, "cuDNN SDPA backward", true);
    }

    /**
     * One backend's fused attention backward against the CPU's composed {@link AttentionGrad} in fp32 on the same
     * (16-bit-representable) inputs: Lq ≠ Lk, lengths off the kernels' block sizes, head dims 64 and 128, and q/k/v
     * that are {@code [B, L, H, D]} tensors transposed to {@code [B, H, L, D]} as the DiT feeds them. Within 2e-2
     * (relative L2) for each of dq, dk, dv, fp16 as bf16; also through {@link AttentionGrad}, which widens 16-bit ones.
     */
    private static void checkFusedAttentionBackward(Backend backend, String what, boolean sixteenBit) {
        List<AttentionCase> cases = List.of(
                new AttentionCase(2, 3, 77, 200, 64, false, DType.BF16),
                new AttentionCase(2, 3, 200, 77, 128, false, DType.BF16),
                new AttentionCase(2, 3, 77, 200, 128, true, DType.BF16),
                new AttentionCase(1, 2, 130, 130, 64, true, DType.BF16),
                new AttentionCase(1, 12, 300, 300, 128, true, DType.BF16),
                new AttentionCase(2, 3, 200, 77, 64, true, DType.F16),
                new AttentionCase(1, 2, 200, 256, 128, true, DType.BF16));   // a key length every cuDNN 9 takes
        Random rnd = new Random(5);
        for (AttentionCase c : cases) {
            float scale = (float) (1 / Math.sqrt(c.d()));
            try (Scope scope = Scope.open()) {
                // inputs rounded to the 16-bit type first, so the CPU's fp32 reference sees exactly what the GPU reads
                Tensor[] host = new Tensor[4];
                for (int i = 0; i < 3; i++) {
                    int l = i == 0 ? c.lq() : c.lk();
                    int[] shape = c.transposed() ? new int[] {c.b(), l, c.h(), c.d()} : new int[] {c.b(), c.h(), l, c.d()};
                    host[i] = CPU.cast(CPU.cast(GradCheck.randn(rnd, shape), c.dtype()), DType.F32);
                }
                host[3] = CPU.cast(CPU.cast(GradCheck.randn(rnd, c.b(), c.h(), c.lq(), c.d()), c.dtype()), DType.F32);   // dO

                Tensor[] qkv = new Tensor[3], qkvG = new Tensor[3];
                for (int i = 0; i < 3; i++) {
                    qkv[i] = c.transposed() ? host[i].transpose(1, 2) : host[i];
                    Tensor dev = backend.cast(backend.copyFrom(host[i]), c.dtype());
                    qkvG[i] = c.transposed() ? dev.transpose(1, 2) : dev;
                }
                boolean[] needed = {true, true, true, false};
                Tensor o = CPU.attention(qkv[0], qkv[1], qkv[2], null, scale);
                Tensor[] ref = AttentionGrad.backward(CPU, qkv[0], qkv[1], qkv[2], null, scale, o, null, host[3], needed);

                Tensor oG = backend.attention(qkvG[0], qkvG[1], qkvG[2], null, scale);
                Tensor gG = backend.cast(backend.copyFrom(host[3]), c.dtype());
                Tensor[] fused = backend.attentionBackward(qkvG[0], qkvG[1], qkvG[2], oG, null, gG, scale);
                assertTrue(fused != null, c + ": the CUDA backend declined the fused attention backward (" + what + ")");
                Tensor[] viaTape = AttentionGrad.backward(backend, qkvG[0], qkvG[1], qkvG[2], null, scale, oG, null, gG, needed);
                // the training forward keeps its softmax statistics only where cuDNN's backward will read them; cuDNN
                // before 9.16 declines key lengths off a multiple of 128 (no padding mask in Reel's graph), and Reel's
                // kernels then answer (fp32 gradients), which must be right too
                Tensor[] saved = backend.attentionForBackward(qkvG[0], qkvG[1], qkvG[2], scale);
                boolean cudnnRan = saved != null;
                if (!sixteenBit) assertFalse(cudnnRan, c + ": statistics from " + what);
                if (sixteenBit && c.lk() % 128 == 0) assertTrue(cudnnRan, c + ": cuDNN declined a key length it always takes");
                if (sixteenBit && !cudnnRan) System.out.printf("%s %s: declined by this cuDNN (key length off 128), Reel's kernels ran%n", what, c);
                Tensor[] fromSaved = saved == null ? null : backend.attentionBackward(qkvG[0], qkvG[1], qkvG[2], saved[0], saved[1], gG, scale);
                if (saved != null) {
                    double oErr = Compare.relErr(saved[0].toFloatArray(), o.toFloatArray());
                    System.out.printf("%s %s o of the training forward: rel err %.2e%n", what, c, oErr);
                    assertTrue(oErr <= 2e-2, c + " training forward's o: " + oErr + " > 2e-2");
                }
                String[] names = {"dq", "dk", "dv"};
                for (int i = 0; i < 3; i++) {
                    DType expected = cudnnRan ? c.dtype() : DType.F32;
                    assertEquals(expected, fused[i].dtype(), c + " " + names[i] + ": not " + what + "'s gradient");
                    assertEquals(DType.F32, viaTape[i].dtype(), c + " " + names[i] + " through AttentionGrad");
                    double err = Compare.relErr(fused[i].toFloatArray(), ref[i].toFloatArray());
                    double again = Compare.relErr(viaTape[i].toFloatArray(), ref[i].toFloatArray());
                    System.out.printf("%s %s %s: rel err %.2e (through AttentionGrad %.2e)%n", what, c, names[i], err, again);
                    assertTrue(err <= 2e-2, c + " " + names[i] + ": " + err + " > 2e-2");
                    assertTrue(again <= 2e-2, c + " " + names[i] + " through AttentionGrad: " + again + " > 2e-2");
                    if (fromSaved != null) {
                        assertEquals(c.dtype(), fromSaved[i].dtype(), c + " " + names[i] + ": not " + what + "'s gradient from saved statistics");
                        double kept = Compare.relErr(fromSaved[i].toFloatArray(), ref[i].toFloatArray());
                        System.out.printf("%s %s %s from the saved statistics: rel err %.2e%n", what, c, names[i], kept);
                        assertTrue(kept <= 2e-2, c + " " + names[i] + " from the saved statistics: " + kept + " > 2e-2");
                    }
                }
            }
        }
    }

    /**
     * The fused tanh-GELU, layer-norm and RMS-norm backwards ({@link Backend#geluTanhBackward},
     * {@link Backend#layerNormBackward}, {@link Backend#rmsNormBackward}) against the CPU's composed {@link Pointwise}
     * and {@link NormGrad} in fp32 on the same (dtype-representable) inputs, in bf16 and fp32: rows off any multiple,
     * D = 1536 (the DiT's; the vectorised kernel, several rows a block where the weight's sums are wanted), 64, and an
     * odd 333 (the any-layout kernel), with and without a weight; for the GELU also a transposed x. Each must answer
     * (not null), dx in x's dtype and the weight's and bias's sums in fp32, within 1e-2 (bf16) or 1e-5 (fp32) relative
     * L2. The tape's own cases ({@link #bf16}, {@link #fp32}) run the same kernels through {@link RecordingBackend}.
     */
    @Test void fusedNormAndGeluBackward() {
        int[][] shapes = {{3, 37, 1536}, {1, 1403, 1536}, {1001, 64}, {77, 333}};
        Random rnd = new Random(7);
        for (DType dtype : List.of(DType.BF16, DType.F32)) {
            double tol = dtype == DType.F32 ? 1e-5 : 1e-2;
            for (int[] shape : shapes) {
                for (boolean affine : new boolean[] {false, true}) {
                    try (Scope scope = Scope.open()) {
                        int d = shape[shape.length - 1];
                        Tensor x = representable(rnd, dtype, shape), g = representable(rnd, dtype, shape);
                        Tensor w = affine ? representable(rnd, dtype, d) : null;
                        Tensor xG = onGpu(x, dtype), gG = onGpu(g, dtype), wG = affine ? onGpu(w, dtype) : null;
                        String what = dtype + " " + java.util.Arrays.toString(shape) + (affine ? " with weight" : "");

                        Tensor[] ref = NormGrad.layerNorm(CPU, x, w, 1e-6f, g, new boolean[] {true, affine, true});
                        Tensor[] got = gpu.layerNormBackward(xG, wG, 1e-6f, gG, true);
                        assertTrue(got != null, "layerNormBackward declined " + what);
                        assertNormGrads("layerNorm " + what, got, ref, dtype, tol);

                        ref = NormGrad.rmsNorm(CPU, x, w, 1e-6f, g, new boolean[] {true, affine});
                        got = gpu.rmsNormBackward(xG, wG, 1e-6f, gG, affine);
                        assertTrue(got != null, "rmsNormBackward declined " + what);
                        assertNormGrads("rmsNorm " + what, got, ref, dtype, tol);

                        // the GELU has no weight: its second pass takes x transposed (a strided view)
                        Tensor gx = affine ? x.reshape(-1, d).transpose(0, 1) : x, gg = affine ? g.reshape(-1, d).transpose(0, 1) : g;
                        Tensor gxG = affine ? xG.reshape(-1, d).transpose(0, 1) : xG, ggG = affine ? gG.reshape(-1, d).transpose(0, 1) : gG;
                        Tensor dx = gpu.geluTanhBackward(gxG, ggG);
                        assertTrue(dx != null, "geluTanhBackward declined " + what);
                        assertEquals(dtype, dx.dtype(), "geluTanhBackward " + what + ": dx not in x's dtype");
                        assertClose("geluTanh " + what + (affine ? " (transposed)" : "") + " dx", dx, Pointwise.backward(CPU, Unary.GELU_TANH, gx, null, gg), tol);
                    }
                }
            }
        }
    }

    /** dx in x's dtype, then the weight's and bias's fp32 sums wherever the reference has them. */
    private static void assertNormGrads(String what, Tensor[] got, Tensor[] ref, DType dtype, double tol) {
        assertEquals(dtype, got[0].dtype(), what + ": dx not in x's dtype");
        String[] names = {"dx", "dweight", "dbias"};
        for (int i = 0; i < ref.length; i++) {
            if (ref[i] == null) continue;
            if (i > 0) assertEquals(DType.F32, got[i].dtype(), what + " " + names[i]);
            assertClose(what + " " + names[i], got[i], ref[i], tol);
        }
    }

    private static void assertClose(String what, Tensor got, Tensor ref, double tol) {
        double err = Compare.relErr(got.toFloatArray(), ref.toFloatArray());
        System.out.printf("fused backward %-50s rel err %.2e%n", what, err);
        assertTrue(err <= tol, what + ": " + err + " > " + tol);
    }

    /** Normal values rounded to {@code dtype}, as fp32 on the CPU: the GPU reads exactly what the reference does. */
    private static Tensor representable(Random rnd, DType dtype, int... shape) {
        return CPU.cast(CPU.cast(GradCheck.randn(rnd, shape), dtype), DType.F32);
    }

    private static Tensor onGpu(Tensor host, DType dtype) { return gpu.cast(gpu.copyFrom(host), dtype); }

    private static float[][] gradients(Case c, Tensor[] host, Backend b, DType dtype) {
        try (Scope scope = Scope.open()) {
            List<Tensor> leaves = new ArrayList<>();
            for (Tensor h : host) leaves.add(b.cast(b.copyFrom(h), dtype));
            Gradients grads = new Gradients();
            try (Tape tape = Tape.open(grads, leaves)) {
                Tensor y = c.f().apply(leaves.toArray(new Tensor[0]));
                Tensor sq = y.backend().cast(y, DType.F32).reshape(-1);
                tape.backward(sq.backend().sum(sq.backend().unary(Unary.SQUARE, sq), 0, true));
            }
            float[][] out = new float[host.length][];
            for (int i = 0; i < host.length; i++) out[i] = grads.of(leaves.get(i)).toFloatArray();
            grads.clear();
            return out;
        }
    }

}
