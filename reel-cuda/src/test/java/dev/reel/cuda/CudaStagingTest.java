package dev.reel.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.Half;
import dev.reel.core.SystemOptions;
import dev.reel.core.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Uploads through {@link CudaStaging}: values larger than both staging buffers together (so each buffer is
 * refilled, the last chunk partly), small ones, and each host array type arrive exactly; floats uploaded as
 * BF16/F16 are rounded as {@link Half} rounds them on the host.
 */
@Tag("gpu")
class CudaStagingTest {
    @BeforeAll
    static void needsCuda() {
        String why = Backends.unavailableReason(Device.Type.CUDA, SystemOptions.defaults());
        Assumptions.assumeTrue(why == null, () -> "no CUDA device, staging test skipped: " + why);
    }

    private static float[] values(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() * 8 - 4);
        return v;
    }

    @Test
    void largeAndSmallUploadsArriveExactly() {
        Backend gpu = Backends.of(Device.parse("cuda"));
        for (int n : new int[] {1, 1000, (5 << 20) + 3, (40 << 20) + 17}) {   // 40M floats: 160 MB, three buffers' worth
            float[] v = values(n, n);
            Tensor t = gpu.fromFloats(v, DType.F32, n);
            assertArrayEquals(v, t.toFloatArray(), 0f, n + " floats");
            t.free();
        }
    }

    @Test
    void halfPrecisionUploadsRoundAsTheHost() {
        Backend gpu = Backends.of(Device.parse("cuda"));
        int n = (17 << 20) + 5;
        float[] v = values(n, 7);
        v[0] = Float.NaN;
        v[1] = Float.POSITIVE_INFINITY;
        v[2] = 1e-40f;   // subnormal
        v[3] = 1 + 0x1p-8f;   // a tie: rounds to even
        for (DType dtype : new DType[] {DType.BF16, DType.F16}) {
            Tensor t = gpu.fromFloats(v, dtype, n);
            float[] back = t.toFloatArray();
            for (int i = 0; i < n; i++) {
                float expected = dtype == DType.BF16 ? Half.bf16ToFloat(Half.floatToBf16(v[i])) : Half.f16ToFloat(Half.floatToF16(v[i]));
                if (Float.isNaN(expected)) assertEquals(true, Float.isNaN(back[i]), dtype + " at " + i);
                else assertEquals(expected, back[i], 0f, dtype + " at " + i);
            }
            t.free();
        }
    }

    @Test
    void cpuTensorsOfEachStorageTypeCopyExactly() {
        Backend gpu = Backends.of(Device.parse("cuda"));
        Backend cpu = Backends.cpu();
        int n = (33 << 20) + 1;   // BF16: 66 MB, just over one buffer
        float[] v = values(n, 3);
        for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.I64, DType.I32}) {
            float[] src = dtype == DType.I64 || dtype == DType.I32 ? java.util.Arrays.copyOf(v, 4099) : v;
            if (src != v) for (int i = 0; i < src.length; i++) src[i] = Math.round(src[i] * 1000);
            Tensor host = cpu.fromFloats(src, dtype, src.length);
            Tensor dev = gpu.copyFrom(host);
            assertArrayEquals(host.toFloatArray(), dev.toFloatArray(), 0f, dtype.toString());
            dev.free();
        }
    }
}
