package dev.reel.models.wan;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.function.UnaryOperator;

/**
 * Spatial tiling of the Wan VAE's decode (Diffusers' {@code AutoencoderKLWan.enable_tiling} /
 * {@code tiled_decode}): the latents are cut into overlapping tiles of {@code sampleMin / 8} latent pixels every
 * {@code sampleStride / 8}, each tile is decoded alone (its own causal cache, all frames), and neighbouring tiles
 * are blended linearly across the {@code sampleMin − sampleStride} pixels they share — the tile above into the
 * top rows, the tile to the left into the left columns — before each tile's first {@code sampleStride} rows and
 * columns are kept. Decode memory is then that of one tile, whatever the video's size. Sizes are in output pixels.
 *
 * @param sampleMinHeight    tile height in pixels (Diffusers' {@code tile_sample_min_height}, 256)
 * @param sampleMinWidth     tile width in pixels ({@code tile_sample_min_width}, 256)
 * @param sampleStrideHeight pixels between tile tops ({@code tile_sample_stride_height}, 192)
 * @param sampleStrideWidth  pixels between tile lefts ({@code tile_sample_stride_width}, 192)
 */
public record WanVaeTiling(int sampleMinHeight, int sampleMinWidth, int sampleStrideHeight, int sampleStrideWidth) {
    public WanVaeTiling {
        if (sampleStrideHeight <= 0 || sampleStrideWidth <= 0 || sampleStrideHeight > sampleMinHeight || sampleStrideWidth > sampleMinWidth) {
            throw new ReelException("VAE tiling " + sampleMinHeight + "×" + sampleMinWidth + " every " + sampleStrideHeight + "×" + sampleStrideWidth
                    + ": strides must be positive and at most the tile size");
        }
    }

    /** Diffusers' defaults: 256-pixel tiles every 192 pixels (64 pixels blended). */
    public static WanVaeTiling defaults() { return new WanVaeTiling(256, 256, 192, 192); }

    /** Pixels blended between vertical neighbours. */
    public int blendHeight() { return sampleMinHeight - sampleStrideHeight; }

    /** Pixels blended between horizontal neighbours. */
    public int blendWidth() { return sampleMinWidth - sampleStrideWidth; }

    /** True if latents of {@code height × width} are larger than one tile, so decode tiles them (as Diffusers). */
    public boolean tiles(int latentHeight, int latentWidth, int spatialFactor) {
        return latentWidth > sampleMinWidth / spatialFactor || latentHeight > sampleMinHeight / spatialFactor;
    }

    /**
     * A decoded tile on the host: {@code planes} planes (batch × channels × frames) of {@code height × width},
     * row-major, as the decoder's {@code [B, C, F, h, w]} output lays them out.
     */
    public record Tile(int planes, int height, int width, float[] data) {
        float at(int p, int y, int x) { return data[(p * height + y) * width + x]; }
        void set(int p, int y, int x, float v) { data[(p * height + y) * width + x] = v; }
    }

    /**
     * Diffusers' {@code blend_v}: the first {@code extent} rows of {@code below} become
     * {@code above[−extent + y]·(1 − y/extent) + below[y]·(y/extent)}, in place; extent is capped by both heights.
     */
    public static void blendVertical(Tile above, Tile below, int extent) {
        int e = Math.min(Math.min(above.height, below.height), extent);
        int w = Math.min(above.width, below.width);
        for (int p = 0; p < below.planes; p++) {
            for (int y = 0; y < e; y++) {
                float f = (float) y / e;
                for (int x = 0; x < w; x++) {
                    below.set(p, y, x, above.at(p, above.height - e + y, x) * (1 - f) + below.at(p, y, x) * f);
                }
            }
        }
    }

    /** Diffusers' {@code blend_h}: as {@link #blendVertical} across the first {@code extent} columns of {@code right}. */
    public static void blendHorizontal(Tile left, Tile right, int extent) {
        int e = Math.min(Math.min(left.width, right.width), extent);
        int h = Math.min(left.height, right.height);
        for (int p = 0; p < right.planes; p++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < e; x++) {
                    float f = (float) x / e;
                    right.set(p, y, x, left.at(p, y, left.width - e + x) * (1 - f) + right.at(p, y, x) * f);
                }
            }
        }
    }

    /**
     * Decodes latents {@code [B, z, T, h, w]} tile by tile with {@code decodeTile} (latents → unclamped video
     * {@code [B, C, F, 8h', 8w']}), each tile's output copied to the host before the next is decoded, then blends
     * and stitches them ({@link #stitch}) and clamps to [−1, 1]. Returns a CPU fp32 tensor {@code [B, C, F, H, W]}.
     *
     * @param spatialFactor output pixels per latent pixel
     */
    public Tensor decode(Tensor z, int spatialFactor, UnaryOperator<Tensor> decodeTile) {
        int[] s = z.shape();
        int f = spatialFactor, h = s[3], w = s[4];
        int th = sampleMinHeight / f, tw = sampleMinWidth / f, sh = sampleStrideHeight / f, sw = sampleStrideWidth / f;
        if (sh == 0 || sw == 0) throw new ReelException("VAE tiling " + this + ": strides must be at least one latent pixel (" + f + " pixels)");
        int nRows = (h + sh - 1) / sh, nCols = (w + sw - 1) / sw;
        Tile[][] rows = new Tile[nRows][nCols];
        int[] vs = null;
        for (int i = 0; i < nRows; i++) {
            for (int j = 0; j < nCols; j++) {
                try (Scope scope = Scope.open()) {
                    Tensor tile = z.narrow(3, i * sh, Math.min(th, h - i * sh)).narrow(4, j * sw, Math.min(tw, w - j * sw)).contiguous();
                    Tensor v = decodeTile.apply(tile);     // [B, C, F, h'·f, w'·f]
                    vs = v.shape();
                    rows[i][j] = new Tile(vs[0] * vs[1] * vs[2], vs[3], vs[4], v.toFloatArray());
                }
            }
        }
        int height = h * f, width = w * f;
        float[] video = stitch(rows, height, width);
        for (int k = 0; k < video.length; k++) video[k] = Math.min(1f, Math.max(-1f, video[k]));
        return Backends.cpu().fromFloats(video, DType.F32, vs[0], vs[1], vs[2], height, width);
    }

    /**
     * Blends a grid of decoded tiles ({@code rows[i][j]}, tile tops every {@code sampleStrideHeight} pixels) in
     * Diffusers' order — each tile first with the (already blended) one above, then with the one to its left, in
     * place — and stitches each tile's first {@code stride} rows and columns into {@code height × width} planes.
     */
    public float[] stitch(Tile[][] rows, int height, int width) {
        int planes = rows[0][0].planes;
        float[] out = new float[planes * height * width];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < rows[i].length; j++) {
                Tile t = rows[i][j];
                if (i > 0) blendVertical(rows[i - 1][j], t, blendHeight());
                if (j > 0) blendHorizontal(rows[i][j - 1], t, blendWidth());
                int y0 = i * sampleStrideHeight, x0 = j * sampleStrideWidth;
                int hKeep = Math.min(Math.min(sampleStrideHeight, t.height), height - y0);
                int wKeep = Math.min(Math.min(sampleStrideWidth, t.width), width - x0);
                for (int p = 0; p < planes; p++) {
                    for (int y = 0; y < hKeep; y++) {
                        System.arraycopy(t.data, (p * t.height + y) * t.width, out, (p * height + y0 + y) * width + x0, wKeep);
                    }
                }
            }
        }
        return out;
    }
}
