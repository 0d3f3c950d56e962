package dev.reel.models.wan;

import dev.reel.core.Backend;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Module;
import dev.reel.models.nn.Parameter;

/**
 * A 3-D convolution that is causal in time: where a plain convolution pads {@code pt} frames on both sides,
 * this one pads {@code 2·pt} frames before and none after, so output frame t sees only input frames ≤ t.
 * Height and width are padded symmetrically. When the previous chunk's last frames are given, they replace
 * (part of) the zero padding, which makes chunked processing equal to processing the whole video at once.
 */
public final class WanCausalConv3d extends Module {
    public final Parameter weight;
    public final Parameter bias;
    private final int[] stride;
    private final int[] spatialPadding;
    private final int timePadding;

    /** Kernel, stride and padding are {@code (t, h, w)}. */
    public WanCausalConv3d(int in, int out, int[] kernel, int[] stride, int[] padding) {
        this.weight = param("weight", out, in, kernel[0], kernel[1], kernel[2]);
        this.bias = param("bias", out);
        this.stride = stride.clone();
        this.spatialPadding = new int[] {0, padding[1], padding[2]};
        this.timePadding = 2 * padding[0];
    }

    /** Cubic kernel {@code k}, stride 1, padding {@code p} in every dim. */
    public WanCausalConv3d(int in, int out, int k, int p) {
        this(in, out, new int[] {k, k, k}, new int[] {1, 1, 1}, new int[] {p, p, p});
    }

    /** With zero causal padding: x {@code [B, Cin, T, H, W]} → {@code [B, Cout, T', H', W']}. */
    public Tensor forward(Tensor x) {
        return forwardAfter(null, x);
    }

    /**
     * With {@code previous} {@code [B, Cin, ≤2·pt, H, W]} (the previous chunk's last frames, or null) in front
     * of x; what remains of the causal padding is zeros.
     */
    public Tensor forwardAfter(Tensor previous, Tensor x) {
        Backend b = x.backend();
        try (Scope scope = Scope.open()) {   // the padded copies die here
            int pad = timePadding;
            if (previous != null && pad > 0) {
                x = b.concat(2, previous, x);
                pad -= previous.size(2);
            }
            if (pad > 0) x = b.pad(x, new int[] {0, 0, 0, 0, pad, 0}, 0f);
            return scope.keep(b.conv3d(x, weight.get(), bias.get(), stride, spatialPadding));
        }
    }

    /**
     * One chunk through the layer's cache slot: uses the frames cached by the previous chunk, then caches this
     * chunk's last frames for the next.
     */
    public Tensor forward(Tensor x, WanFeatureCache cache) {
        WanFeatureCache.Slot slot = cache.next();
        Tensor tail = slot.tailOf(x);
        Tensor out = forwardAfter(slot.frames(), x);
        slot.set(tail);
        return out;
    }
}
