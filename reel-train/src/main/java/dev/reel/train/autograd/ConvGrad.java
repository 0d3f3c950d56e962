package dev.reel.train.autograd;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;

/**
 * Backward of a 3-D convolution. A stride-1 convolution (nearly all of a Wan VAE's) takes two convolutions, as
 * PyTorch's does: the input's gradient is the output's gradient convolved with the weight flipped in space and time
 * and transposed in its channels ({@code padding k−1−p}), and the weight's gradient is the padded input convolved with
 * the output's gradient, with batch and channels swapped ({@code x'[Ci, B, …] ⋆ g'[Co, B, …] → [Ci, Co, kt, kh, kw]}).
 * Strided convolutions (the downsamplers, the DiT's patch embedding) sum over kernel offsets instead: for each
 * offset the input read by every output position is a strided view of the padded input, so the weight's slice gets
 * {@code Σ g·viewᵀ} and the view gets {@code w_sliceᵀ·g}. Either way only forward ops, so it runs wherever the forward
 * does. A backend with kernels of its own for the two gradients ({@link Backend#conv3dBackwardData},
 * {@link Backend#conv3dBackwardFilter}: cuDNN's backward engines for 16-bit tensors) is asked first.
 */
final class ConvGrad {
    private ConvGrad() {}

    /**
     * Gradients of (x, w, bias) for {@code y = conv3d(x [B, Ci, T, H, W], w [Co, Ci, kt, kh, kw], bias, stride, padding)}
     * with {@code g = ∂L/∂y [B, Co, T', H', W']}.
     */
    static Tensor[] conv3d(Backend b, Tensor x, Tensor w, Tensor g, int[] stride, int[] padding, boolean[] needed) {
        int batch = x.size(0), co = w.size(0);
        int[] k = {w.size(2), w.size(3), w.size(4)};
        // the backend's own kernels where it has them (cuDNN's backward engines), else composed from forward ops
        Tensor gx = needed[0] ? b.conv3dBackwardData(g, w, x.shape(), stride, padding) : null;
        Tensor gw = needed[1] ? b.conv3dBackwardFilter(x, g, w.shape(), stride, padding) : null;
        if (gw != null && gw.dtype() != w.dtype()) gw = b.cast(gw, w.dtype());
        boolean[] rest = {needed[0] && gx == null, needed[1] && gw == null};
        if (rest[0] || rest[1]) {
            boolean unitStride = stride[0] == 1 && stride[1] == 1 && stride[2] == 1;
            Tensor[] r = unitStride && padding[0] < k[0] && padding[1] < k[1] && padding[2] < k[2]
                    ? unitStride(b, x, w, g, padding, rest) : byOffsets(b, x, w, g, stride, padding, rest);
            if (rest[0]) gx = r[0];
            if (rest[1]) gw = r[1];
        }
        Tensor gb = needed[2] ? b.sum(b.sum(b.contiguous(g).reshape(batch, co, -1), 2, false), 0, false) : null;
        return new Tensor[] {gx, gw, gb};
    }

    private static Tensor[] unitStride(Backend b, Tensor x, Tensor w, Tensor g, int[] padding, boolean[] needed) {
        int co = w.size(0), ci = w.size(1), taps = w.size(2) * w.size(3) * w.size(4);
        Tensor gx = null, gw = null;
        if (needed[0]) {
            // w'[Ci, Co, a, c, e] = w[Co, Ci, kt−1−a, kh−1−c, kw−1−e]: reversing the flat offset flips all three axes
            Tensor byOffset = b.contiguous(w.reshape(co, ci, taps).permute(2, 0, 1)).reshape(taps, co * ci);        // [K, Co·Ci]
            int[] reversed = new int[taps];
            for (int i = 0; i < taps; i++) reversed[i] = taps - 1 - i;
            Tensor flipped = b.embedding(byOffset, reversed, taps).reshape(taps, co, ci).permute(2, 1, 0);           // [Ci, Co, K]
            Tensor wt = b.contiguous(flipped).reshape(ci, co, w.size(2), w.size(3), w.size(4));
            int[] pad = {w.size(2) - 1 - padding[0], w.size(3) - 1 - padding[1], w.size(4) - 1 - padding[2]};
            gx = b.conv3d(g, wt, null, new int[] {1, 1, 1}, pad);                                                    // [B, Ci, T, H, W]
        }
        if (needed[1]) {
            Tensor xp = padding[0] + padding[1] + padding[2] == 0 ? x : padded(b, x, padding);
            Tensor xs = b.contiguous(xp.transpose(0, 1));                                                             // [Ci, B, Tp, Hp, Wp]
            Tensor gs = b.contiguous(b.cast(g, xs.dtype()).transpose(0, 1));                                          // [Co, B, T', H', W']
            Tensor out = b.conv3d(xs, gs, null, new int[] {1, 1, 1}, new int[] {0, 0, 0});                            // [Ci, Co, kt, kh, kw]
            gw = b.cast(b.contiguous(out.transpose(0, 1)), w.dtype());
        }
        return new Tensor[] {gx, gw};
    }

    private static Tensor[] byOffsets(Backend b, Tensor x, Tensor w, Tensor g, int[] stride, int[] padding, boolean[] needed) {
        int batch = x.size(0), ci = x.size(1), co = w.size(0);
        int[] k = {w.size(2), w.size(3), w.size(4)};
        int[] os = {g.size(2), g.size(3), g.size(4)};
        int positions = os[0] * os[1] * os[2];
        Tensor xp = padded(b, x, padding);   // [B, Ci, Tp, Hp, Wp]
        long[] st = xp.strides();   // xp is a new dense tensor
        Tensor g3 = b.contiguous(g).reshape(batch, co, positions);                                                      // [B, Co, N]
        Tensor gw = needed[1] ? b.zeros(w.dtype(), w.shape()) : null;
        Tensor gxp = needed[0] ? b.zeros(DType.F32, xp.shape()) : null;
        for (int a = 0; a < k[0]; a++) {
            for (int c = 0; c < k[1]; c++) {
                for (int e = 0; e < k[2]; e++) {
                    try (Scope scope = Scope.open()) {
                        long offset = xp.offset() + a * st[2] + c * st[3] + e * st[4];
                        int[] shape = {batch, ci, os[0], os[1], os[2]};
                        long[] strides = {st[0], st[1], st[2] * stride[0], st[3] * stride[1], st[4] * stride[2]};
                        Tensor wk = w.narrow(2, a, 1).narrow(3, c, 1).narrow(4, e, 1).reshape(co, ci);                   // [Co, Ci]
                        if (gw != null) {
                            Tensor view = new Tensor(xp.storage(), shape, strides, offset).reshape(batch, ci, positions);
                            Tensor part = b.sum(b.matmul(g3, view.transpose(1, 2)), 0, false);                          // [Co, Ci]
                            b.copyInto(gw.narrow(2, a, 1).narrow(3, c, 1).narrow(4, e, 1), part.reshape(co, ci, 1, 1, 1));
                        }
                        if (gxp != null) {
                            Tensor slot = new Tensor(gxp.storage(), shape, strides, offset);
                            Tensor part = b.matmul(wk.transpose(0, 1), g3).reshape(shape);                              // [B, Ci, T', H', W']
                            b.copyInto(slot, b.add(slot, part));
                        }
                    }
                }
            }
        }
        Tensor gx = gxp == null ? null
                : gxp.narrow(2, padding[0], x.size(2)).narrow(3, padding[1], x.size(3)).narrow(4, padding[2], x.size(4));
        return new Tensor[] {gx, gw};
    }

    /** {@code x} zero-padded by {@code padding} (t, h, w) on both sides, as the forward convolution pads it. */
    private static Tensor padded(Backend b, Tensor x, int[] padding) {
        return b.pad(x, new int[] {padding[2], padding[2], padding[1], padding[1], padding[0], padding[0]}, 0f);
    }
}
