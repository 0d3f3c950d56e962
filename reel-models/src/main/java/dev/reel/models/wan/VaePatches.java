package dev.reel.models.wan;

import dev.reel.core.Tensor;

/**
 * Wan2.2's VAE cuts the video into {@code p × p} pixel patches stacked as channels before the encoder and puts
 * them back after the decoder (Diffusers' {@code patchify}/{@code unpatchify} of {@code autoencoder_kl_wan}); the
 * channel of pixel (dy, dx) of channel c is {@code c·p² + dx·p + dy}, as there. p = 1 is the identity.
 */
public final class VaePatches {
    private VaePatches() {}

    /** {@code [B, C, F, H, W] → [B, C·p², F, H/p, W/p]}. */
    public static Tensor patchify(Tensor x, int p) {
        if (p == 1) return x;
        int b = x.size(0), c = x.size(1), f = x.size(2), h = x.size(3), w = x.size(4);
        if (h % p != 0 || w % p != 0) {
            throw new dev.reel.core.ShapeException("VaePatches.patchify", "height " + h + " and width " + w + " must be divisible by the patch size " + p);
        }
        // [B, C, F, H/p, p(dy), W/p, p(dx)] → [B, C, dx, dy, F, H/p, W/p]
        return x.reshape(b, c, f, h / p, p, w / p, p)
                .permute(0, 1, 6, 4, 2, 3, 5)
                .reshape(b, c * p * p, f, h / p, w / p);
    }

    /** {@code [B, C·p², F, H, W] → [B, C, F, H·p, W·p]}. */
    public static Tensor unpatchify(Tensor x, int p) {
        if (p == 1) return x;
        int b = x.size(0), cp = x.size(1), f = x.size(2), h = x.size(3), w = x.size(4);
        int c = cp / (p * p);
        // [B, C, dx, dy, F, H, W] → [B, C, F, H, dy, W, dx]
        return x.reshape(b, c, p, p, f, h, w)
                .permute(0, 1, 4, 5, 3, 6, 2)
                .reshape(b, c, f, h * p, w * p);
    }
}
