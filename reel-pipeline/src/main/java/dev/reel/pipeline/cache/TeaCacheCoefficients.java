package dev.reel.pipeline.cache;

import java.util.Map;

/**
 * TeaCache's published rescaling polynomials for Wan2.1 ({@code TeaCache4Wan2.1/teacache_generate.py}), 4th order,
 * highest order first, per model and per mode ({@code e}: the timestep embedding; {@code e0}: its projection, the
 * {@code use_ret_steps} mode). Other models are calibrated with {@code reel calibrate}.
 */
final class TeaCacheCoefficients {
    private TeaCacheCoefficients() {}

    /** The {@code e} (default) mode. */
    static final Map<WanVariant, double[]> E = Map.of(
            WanVariant.T2V_1_3B, new double[] {2.39676752e+03, -1.31110545e+03, 2.01331979e+02, -8.29855975e+00, 1.37887774e-01},
            WanVariant.T2V_14B, new double[] {-5784.54975374, 5449.50911966, -1811.16591783, 256.27178429, -13.02252404},
            WanVariant.I2V_480P, new double[] {-3.02331670e+02, 2.23948934e+02, -5.25463970e+01, 5.87348440e+00, -2.01973289e-01},
            WanVariant.I2V_720P, new double[] {-114.36346466, 65.26524496, -18.82220707, 4.91518089, -0.23412683});

    /** The {@code e0} ({@code use_ret_steps}) mode. */
    static final Map<WanVariant, double[]> E0 = Map.of(
            WanVariant.T2V_1_3B, new double[] {-5.21862437e+04, 9.23041404e+03, -5.28275948e+02, 1.36987616e+01, -4.99875664e-02},
            WanVariant.T2V_14B, new double[] {-3.03318725e+05, 4.90537029e+04, -2.65530556e+03, 5.87365115e+01, -3.15583525e-01},
            WanVariant.I2V_480P, new double[] {2.57151496e+05, -3.54229917e+04, 1.40286849e+03, -1.35890334e+01, 1.32517977e-01},
            WanVariant.I2V_720P, new double[] {8.10705460e+03, 2.13393892e+03, -3.72934672e+02, 1.66203073e+01, -4.17769401e-02});
}
