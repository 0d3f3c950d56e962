package dev.reel.models.wan;

import dev.reel.core.Backend;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Conv2d;
import dev.reel.models.nn.Module;

/**
 * Spatial (and optionally temporal) 2× resampling between VAE levels. Space is resampled frame by frame by
 * {@code resample.1}, a 2-D convolution ({@code resample.0} is the parameter-free nearest upsampling or
 * zero padding); time by {@code time_conv}, a causal convolution over frames:
 * <ul>
 * <li>upsample: {@code [B, C, T, H, W] → [B, C/2 (or upsample_out_dim), T', 2H, 2W]}; for 3-D, {@code time_conv} makes 2C channels
 *     that are interleaved into two frames per input frame (T' = 2T), except on the first chunk, which keeps
 *     its single frame (the causal first frame maps to one output frame).</li>
 * <li>downsample: {@code [B, C, T, H, W] → [B, C, T', ⌈H/2⌉, ⌈W/2⌉]} with pad-right-bottom then stride 2; for
 *     3-D, {@code time_conv} (stride 2 in time) runs over the previous chunk's last frame and this chunk's,
 *     except on the first chunk, which passes through (T' = 1 for T = 1, then T/2).</li>
 * </ul>
 */
public final class WanResample extends Module {
    /** Which resampling the layer does (Diffusers' {@code mode} strings). */
    public enum Mode {
        UPSAMPLE_2D, UPSAMPLE_3D, DOWNSAMPLE_2D, DOWNSAMPLE_3D;

        boolean up() { return this == UPSAMPLE_2D || this == UPSAMPLE_3D; }
        boolean temporal() { return this == UPSAMPLE_3D || this == DOWNSAMPLE_3D; }
    }

    public final Mode mode;
    /** {@code resample.1}: 3×3, pad 1 (upsample) or stride 2 after right/bottom padding (downsample). */
    public final Conv2d resample;
    /** Null for the 2-D modes. */
    public final WanCausalConv3d timeConv;

    /** {@code dim} input channels; upsampling halves them (Wan2.1's default {@code upsample_out_dim = dim // 2}). */
    public WanResample(int dim, Mode mode) { this(dim, mode, dim / 2); }

    /** {@code upsampleOutDim}: the channels upsampling makes (Wan2.2's residual up blocks keep {@code dim}). */
    public WanResample(int dim, Mode mode, int upsampleOutDim) {
        this.mode = mode;
        int[] k3 = {3, 3};
        this.resample = child("resample.1", mode.up()
                ? new Conv2d(dim, upsampleOutDim, k3, new int[] {1, 1}, new int[] {1, 1}, true)
                : new Conv2d(dim, dim, k3, new int[] {2, 2}, new int[] {0, 0}, true));
        this.timeConv = switch (mode) {
            case UPSAMPLE_3D -> child("time_conv", new WanCausalConv3d(dim, 2 * dim, new int[] {3, 1, 1}, new int[] {1, 1, 1}, new int[] {1, 0, 0}));
            case DOWNSAMPLE_3D -> child("time_conv", new WanCausalConv3d(dim, dim, new int[] {3, 1, 1}, new int[] {2, 1, 1}, new int[] {0, 0, 0}));
            default -> null;
        };
    }

    public Tensor forward(Tensor x, WanFeatureCache cache) {
        try (Scope scope = Scope.open()) {   // the frame-major copies and the 4× upsampled frames die here
            if (mode == Mode.UPSAMPLE_3D) x = upsampleTime(x, cache.next());
            x = resampleSpace(x);
            if (mode == Mode.DOWNSAMPLE_3D) x = downsampleTime(x, cache.next());
            return scope.keep(x);
        }
    }

    /** [B, C, T, H, W] → [B, C, 2T, H, W] (or unchanged on the first chunk). */
    private Tensor upsampleTime(Tensor x, WanFeatureCache.Slot slot) {
        if (slot.isEmpty()) {
            slot.markReplicate();
            return x;
        }
        Backend b = x.backend();
        Tensor tail = slot.tailOf(x);
        if (slot.isReplicate() && tail.size(2) < WanFeatureCache.CACHE_T) {
            // After the first chunk the cache holds no real frames: the earlier frame is zeros.
            tail = b.concat(2, b.zeros(tail.dtype(), tail.shape()), tail);
        }
        Tensor doubled = timeConv.forwardAfter(slot.frames(), x); // [B, 2C, T, H, W]
        slot.set(tail);
        int batch = x.size(0), c = x.size(1), t = x.size(2), h = x.size(3), w = x.size(4);
        // channel half k of input frame j becomes output frame 2j + k
        return doubled.reshape(batch, 2, c, t, h, w).permute(0, 2, 3, 1, 4, 5).reshape(batch, c, 2 * t, h, w);
    }

    /** Frame by frame: [B, C, T, H, W] → [B, C', T, H', W']. */
    private Tensor resampleSpace(Tensor x) {
        Backend b = x.backend();
        int batch = x.size(0), c = x.size(1), t = x.size(2), h = x.size(3), w = x.size(4);
        Tensor frames = x.permute(0, 2, 1, 3, 4).reshape(batch * t, c, h, w);   // a copy, or a view of x when T = 1
        // each step's input released once the next has it (never x; the 4× upsampled frames included), unless a tape keeps it
        Tensor resized = BlockChain.advance(frames, mode.up() ? b.upsampleNearest2x(frames) : b.pad(frames, new int[] {0, 1, 0, 1}, 0f), x);
        Tensor y = BlockChain.advance(resized, resample.forward(resized), x); // [B·T, C', H', W']
        return y.reshape(batch, t, y.size(1), y.size(2), y.size(3)).permute(0, 2, 1, 3, 4).contiguous();
    }

    /** [B, C, T, H, W] → [B, C, T', H, W]: first chunk passes through, later ones are strided in time. */
    private Tensor downsampleTime(Tensor x, WanFeatureCache.Slot slot) {
        Backend b = x.backend();
        if (slot.isEmpty()) {
            slot.set(b.contiguous(x));
            return x;
        }
        Tensor last = slot.frames().narrow(2, slot.frames().size(2) - 1, 1);
        Tensor out = timeConv.forward(b.concat(2, last, x));
        slot.set(b.contiguous(x.narrow(2, x.size(2) - 1, 1)));
        return out;
    }
}
