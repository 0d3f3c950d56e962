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

/** cuDNN's bf16 convolutions against Reel's im2col + cuBLASLt path on the same GPU inputs, at Wan-VAE-like shapes. */
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

    static Tensor rand(Random r, int... shape) {
        float[] f = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < f.length; i++) f[i] = (float) r.nextGaussian();
        return gpu.fromFloats(f, DType.BF16, shape);
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
