package dev.reel.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.SystemOptions;
import dev.reel.core.Tensor;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** cuDNN's convolutions against Reel's im2col + cuBLASLt path on the same GPU inputs, at Wan-VAE-like shapes. */
@Tag("gpu")
class CudnnConvolutionTest {
    static Backend gpu, im2col;

    @BeforeAll
    static void open() {
        String why = new CudaBackendProvider().unavailableReason(SystemOptions.defaults());
        Assumptions.assumeTrue(why == null, () -> "no CUDA device: " + why);
        gpu = Backends.of(Device.cuda(0));
        im2col = Backends.of(Device.cuda(0), SystemOptions.defaults().withConvolution("im2col"));
    }

    static Tensor rand(Random r, int... shape) { return rand(r, DType.BF16, shape); }

    static Tensor rand(Random r, DType t, int... shape) {
        float[] f = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < f.length; i++) f[i] = (float) r.nextGaussian();
        return gpu.fromFloats(f, t, shape);
    }

    /**
     * fp32 on cuDNN's engines without TF32, FFT or Winograd: cuDNN must have such an engine for each VAE-like shape
     * (asked directly, so a fall-back to im2col cannot pass unnoticed), and it agrees with im2col's fp32 GEMMs to
     * the CPU tolerances (1e-5 relative; only the summation order differs).
     */
    @Test
    void fp32OnCudnnMatchesIm2col() {
        Random r = new Random(4);
        Cudnn cudnn = ((CudaBackend) gpu).cudaDevice().cudnn();
        Assumptions.assumeTrue(cudnn != null, "cuDNN is not installed");
        // {cin, cout, t, h, w, kt, kh, kw, st, sh, sw, pt, ph, pw}: causal 3×3×3 (time padded by the caller), 1×1×1, a
        // spatial 3×3 (the upsampler's conv2d), a time-only 3×1×1, a strided down-sampler
        int[][] cases = {
            {96, 96, 6, 30, 52, 3, 3, 3, 1, 1, 1, 0, 1, 1}, {16, 96, 3, 30, 52, 3, 3, 3, 1, 1, 1, 0, 1, 1}, {96, 48, 4, 30, 52, 1, 1, 1, 1, 1, 1, 0, 0, 0},
            {64, 64, 1, 60, 104, 1, 3, 3, 1, 1, 1, 0, 1, 1}, {96, 192, 3, 30, 52, 3, 1, 1, 1, 1, 1, 0, 0, 0}, {32, 32, 2, 31, 33, 1, 3, 3, 1, 2, 2, 0, 0, 0},
            {96, 3, 6, 30, 52, 3, 3, 3, 1, 1, 1, 0, 1, 1}};
        boolean ok = true;
        for (int[] c : cases) {
            Tensor x = rand(r, DType.F32, 1, c[0], c[2], c[3], c[4]), w = rand(r, DType.F32, c[1], c[0], c[5], c[6], c[7]);
            int[] st = {c[8], c[9], c[10]}, pd = {c[11], c[12], c[13]};
            int[] od = {(c[2] + 2 * pd[0] - c[5]) / st[0] + 1, (c[3] + 2 * pd[1] - c[6]) / st[1] + 1, (c[4] + 2 * pd[2] - c[7]) / st[2] + 1};
            Tensor direct = cudnn.conv3d(gpu::empty, x, w, st, pd, od);
            assertTrue(direct != null, "cuDNN has no exact fp32 engine for " + java.util.Arrays.toString(c));
            float[] a = gpu.conv3d(x, w, null, st, pd).toFloatArray();
            float[] e = im2col.conv3d(x, w, null, st, pd).toFloatArray();
            double err = CudaParityTest.relErr(a, e), again = CudaParityTest.relErr(direct.toFloatArray(), a);
            System.out.printf(Locale.ROOT, "cudnn fp32 vs im2col %s: rel %.2e%n", java.util.Arrays.toString(c), err);
            ok &= err < 1e-5 && again == 0;
        }
        assertTrue(ok, "cuDNN's fp32 convolution and im2col disagree, or conv3d did not run cuDNN's (see the lines above)");
    }

    @Test
    void cudnnMatchesIm2col() {
        Random r = new Random(3);
        // {cin, cout, t, h, w, kt, kh, kw, st, sh, sw, pt, ph, pw}
        int[][] cases = {
            {3, 3, 3, 10, 12, 3, 3, 3, 1, 1, 1, 0, 1, 1}, {16, 3, 3, 6, 8, 3, 3, 3, 1, 1, 1, 0, 1, 1}, {3, 6, 3, 6, 8, 3, 1, 1, 1, 1, 1, 0, 0, 0},
            {3, 3, 1, 12, 16, 1, 3, 3, 1, 1, 1, 0, 1, 1}, {16, 16, 1, 6, 8, 1, 1, 1, 1, 1, 1, 0, 0, 0}, {96, 96, 6, 30, 52, 3, 3, 3, 1, 1, 1, 0, 1, 1},
            {96, 3, 6, 30, 52, 3, 3, 3, 1, 1, 1, 0, 1, 1}, {4, 12, 2, 9, 9, 1, 3, 3, 1, 2, 2, 0, 1, 1}, {3, 3, 5, 8, 8, 3, 3, 3, 1, 1, 1, 1, 1, 1}};
        boolean ok = true;
        for (int[] c : cases) {
            Tensor x = rand(r, 1, c[0], c[2], c[3], c[4]), w = rand(r, c[1], c[0], c[5], c[6], c[7]), b = rand(r, c[1]);
            int[] st = {c[8], c[9], c[10]}, pd = {c[11], c[12], c[13]};
            float[] a = gpu.conv3d(x, w, b, st, pd).toFloatArray();
            float[] e = im2col.conv3d(x, w, b, st, pd).toFloatArray();
            double err = CudaParityTest.relErr(a, e);
            System.out.printf(Locale.ROOT, "cudnn vs im2col %s: rel %.2e%n", java.util.Arrays.toString(c), err);
            ok &= err < 1e-2;
        }
        // conv2d through the unsqueezed path, as the VAE's spatial upsampler calls it
        Tensor x2 = rand(r, 4, 3, 16, 20), w2 = rand(r, 3, 3, 3, 3);
        float[] a = gpu.conv2d(x2, w2, null, new int[] {1, 1}, new int[] {1, 1}).toFloatArray();
        float[] e = im2col.conv2d(x2, w2, null, new int[] {1, 1}, new int[] {1, 1}).toFloatArray();
        double err = CudaParityTest.relErr(a, e);
        System.out.printf(Locale.ROOT, "cudnn vs im2col conv2d [4,3,16,20]*[3,3,3,3]: rel %.2e%n", err);
        assertTrue(ok && err < 1e-2, "cuDNN and im2col disagree (see the lines above)");
    }
}
