package dev.reel.train.autograd;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;

/**
 * Backward of a 3-D convolution as a sum over kernel offsets: for each offset (a, b, c) the input read by every
 * output position is a strided view of the padded input, so the weight's slice gets {@code Σ g·viewᵀ} and the
 * padded input's view gets {@code w_sliceᵀ·g}. One matmul pair per kernel element, no im2col buffer, and only
 * forward ops, so it runs wherever the forward does.
 */
final class ConvGrad {
    private ConvGrad() {}

    /**
     * Gradients of (x, w, bias) for {@code y = conv3d(x [B, Ci, T, H, W], w [Co, Ci, kt, kh, kw], bias, stride, padding)}
     * with {@code g = ∂L/∂y [B, Co, T', H', W']}.
     */
    static Tensor[] conv3d(Backend b, Tensor x, Tensor w, Tensor g, int[] stride, int[] padding, boolean[] needed) {
        int batch = x.size(0), ci = x.size(1), co = w.size(0);
        int[] k = {w.size(2), w.size(3), w.size(4)};
        int[] os = {g.size(2), g.size(3), g.size(4)};
        int positions = os[0] * os[1] * os[2];
        Tensor xp = b.pad(x, new int[] {padding[2], padding[2], padding[1], padding[1], padding[0], padding[0]}, 0f);   // [B, Ci, Tp, Hp, Wp]
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
        Tensor gb = needed[2] ? b.sum(b.sum(g3, 2, false), 0, false) : null;
        return new Tensor[] {gx, gw, gb};
    }
}
