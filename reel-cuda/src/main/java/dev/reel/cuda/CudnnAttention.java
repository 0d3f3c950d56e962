package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.reel.core.DType;
import dev.reel.core.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * cuDNN 9's fused scaled dot-product attention, as operation graphs of {@link Cudnn}'s backend API that its SDPA
 * engines recognise (the graphs cudnn-frontend's SDPA nodes expand to):
 *
 * <ul>
 *   <li>forward {@code O = softmax(Q·Kᵀ·scale)·V}: matmul → scale → max/sub/exp/sum/log/add/div softmax → matmul;
 *   <li>the same forward for training, which also writes the softmax statistics {@code Stats [B, H, Lq, 1]}, fp32,
 *       the natural-log log-sum-exp of each scaled score row ({@code max + log Σ exp(s − max)});
 *   <li>the backward: from Q, K, V, O, dO, Stats and the scale, {@code Δ = rowsum(dO ⊙ O)}, {@code P = exp(S − Stats)},
 *       {@code dV = Pᵀ·dO}, {@code dS = P ⊙ (dO·Vᵀ − Δ)·scale}, {@code dK = dSᵀ·Q}, {@code dQ = dS·K}.
 * </ul>
 * Q, K, V (and dO) are read through their strides; outputs are written dense {@code [B, H, L, D]}. The scale is a
 * by-value tensor, so one plan serves every scale. Plans are cached per dtype, shape and layout in {@link Cudnn}.
 */
final class CudnnAttention {
    // tensor uids of the graphs' non-virtual tensors (the variant packs); virtual ones are numbered from 101
    private static final long Q = 1, K = 2, V = 3, O = 4, SCALE = 5, STATS = 6, DO = 7, DQ = 8, DK = 9, DV = 10, SOFTMAX_SUM = 11, DQ_ACCUM = 12, ONE = 13;
    private static final String FORWARD_FALLBACK = "this shape runs Reel's flash kernel (or the exact path)";
    private static final String BACKWARD_FALLBACK = "this shape runs Reel's flash backward (or the composed one)";

    private final Cudnn c;
    private final CudaDevice dev;

    CudnnAttention(Cudnn cudnn, CudaDevice dev) {
        this.c = cudnn;
        this.dev = dev;
    }

    /** True for the problems the fused engines take: bf16/fp16 q, k, v in a {@link #readable} layout, head dims ≤ 256. */
    static boolean supports(CudaDevice dev, Tensor q, Tensor k, Tensor v) {
        DType t = q.dtype();
        if ((t != DType.BF16 && t != DType.F16) || k.dtype() != t || v.dtype() != t) return false;
        int d = q.size(3), dv = v.size(3);
        if (d % 8 != 0 || dv % 8 != 0 || d > 256 || dv > 256) return false;
        return readable(dev, q) && readable(dev, k) && readable(dev, v);
    }

    /** A 16-bit [B, H, L, D] operand the engines read in place: unit stride along D, 16-byte aligned rows and start. */
    static boolean readable(CudaDevice dev, Tensor x) {
        if (x.stride(3) != 1 || (dev.addr(x) & 15) != 0) return false;
        for (int i = 0; i < 3; i++) if (x.size(i) > 1 && x.stride(i) % 8 != 0) return false;
        return true;
    }

    /** The attention, or null when cuDNN has no engine for this problem (the reason is logged once per problem). */
    Tensor forward(CudaAllocator out, Tensor q, Tensor k, Tensor v, float scale) {
        Cudnn.Plan p = forwardPlan(q, k, v, false);
        if (!p.usable()) return null;
        Tensor o = out.empty(q.dtype(), q.size(0), q.size(1), q.size(2), v.size(3));
        try (Arena a = Arena.ofConfined()) {
            c.run(p, new long[] {Q, K, V, O, SCALE}, new MemorySegment[] {at(q), at(k), at(v), at(o), scalar(a, scale)}, "attention");
        }
        return o;
    }

    /**
     * The training forward: {O, Stats}, O as {@link #forward}'s and Stats {@code [B, H, Lq, 1]} fp32, each query row's
     * natural-log log-sum-exp of its scaled scores; null when cuDNN has no engine for it (logged once per problem).
     */
    Tensor[] forwardWithStatistics(CudaAllocator out, Tensor q, Tensor k, Tensor v, float scale) {
        Cudnn.Plan p = forwardPlan(q, k, v, true);
        if (!p.usable()) return null;
        Tensor o = out.empty(q.dtype(), q.size(0), q.size(1), q.size(2), v.size(3));
        Tensor stats = null;
        try (Arena a = Arena.ofConfined()) {
            stats = out.empty(DType.F32, q.size(0), q.size(1), q.size(2), 1);
            c.run(p, new long[] {Q, K, V, O, SCALE, STATS}, new MemorySegment[] {at(q), at(k), at(v), at(o), scalar(a, scale), at(stats)},
                    "attention forward with statistics");
            return new Tensor[] {o, stats};
        } catch (RuntimeException e) {
            free(o, stats);
            throw e;
        }
    }

    /**
     * The gradients {dq, dk, dv} of {@link #forward}, dense and in q's dtype, from q, k, v and dO ({@link #readable},
     * dO of q's dtype); null when cuDNN has no engine for the training forward or the backward of this problem
     * (logged once per problem). The backward needs the forward's softmax statistics, which the plain forward does not
     * keep, so this runs {@link #forwardWithStatistics} first (one more attention forward) and takes Δ from that
     * forward's O, which is exactly the O those statistics describe. A training forward that kept them calls the
     * overload below instead.
     */
    Tensor[] backward(CudaAllocator out, Tensor q, Tensor k, Tensor v, Tensor dO, float scale) {
        if (!backwardPlan(q, k, v, dO.strides()).usable()) return null;   // before running a forward it would not use
        Tensor[] fwd = forwardWithStatistics(out, q, k, v, scale);
        if (fwd == null) return null;
        try {
            return backward(out, q, k, v, fwd[0], fwd[1], dO, scale);
        } finally {
            free(fwd);
        }
    }

    /** Whether {o, stats} are what {@link #forwardWithStatistics} made, as the backward's graph reads them (dense). */
    static boolean savedForward(Tensor o, Tensor stats) {
        return stats.dtype() == DType.F32 && stats.rank() == 4 && stats.size(3) == 1 && stats.isContiguous() && o.isContiguous()
                && stats.size(0) == o.size(0) && stats.size(1) == o.size(1) && stats.size(2) == o.size(2);
    }

    /**
     * As above, from the {O, Stats} a {@link #forwardWithStatistics} of these q, k, v gave ({@link #savedForward});
     * null when cuDNN has no engine for this backward.
     */
    Tensor[] backward(CudaAllocator out, Tensor q, Tensor k, Tensor v, Tensor o, Tensor stats, Tensor dO, float scale) {
        Cudnn.Plan p = backwardPlan(q, k, v, dO.strides());
        if (!p.usable()) return null;
        int b = q.size(0), h = q.size(1), lq = q.size(2), d = q.size(3), lk = k.size(2), dv = v.size(3);

        DType t = q.dtype();
        Tensor gq = null, gk = null, gv = null;
        long sum = 0, acc = 0;
        boolean done = false;
        try (Arena a = Arena.ofConfined()) {
            gq = out.empty(t, b, h, lq, d);
            gk = out.empty(t, b, h, lk, d);
            gv = out.empty(t, b, h, lk, dv);
            // the graph's fp32 scratch tensors: Δ, and the dQ accumulator, zeroed (cuDNN before 9.6 expects that)
            long accBytes = (long) b * h * lq * d * 4;
            sum = dev.allocate((long) b * h * lq * 4);
            acc = dev.allocate(accBytes);
            dev.memsetZero(acc, accBytes);
            c.run(p, new long[] {Q, K, V, O, DO, STATS, SCALE, ONE, SOFTMAX_SUM, DQ_ACCUM, DQ, DK, DV},
                    new MemorySegment[] {at(q), at(k), at(v), at(o), at(dO), at(stats), scalar(a, scale), scalar(a, 1f),
                            MemorySegment.ofAddress(sum), MemorySegment.ofAddress(acc), at(gq), at(gk), at(gv)}, "attention backward");
            done = true;
            return new Tensor[] {gq, gk, gv};
        } finally {
            if (!done) free(gq, gk, gv);
            dev.free(sum);
            dev.free(acc);
        }
    }

    private static void free(Tensor... ts) {
        for (Tensor x : ts) if (x != null) x.free();
    }

    /**
     * Whether cuDNN has engines for this problem's training forward and backward with dO read through
     * {@code dOStrides} (plans are built on first use), so a caller copies dO only for a backward that will run.
     */
    boolean takesBackward(Tensor q, Tensor k, Tensor v, long[] dOStrides) {
        return forwardPlan(q, k, v, true).usable() && backwardPlan(q, k, v, dOStrides).usable();
    }

    private Cudnn.Plan backwardPlan(Tensor q, Tensor k, Tensor v, long[] dOStrides) {
        int[] oShape = {q.size(0), q.size(1), q.size(2), v.size(3)};
        return c.cached("attention backward " + key(q, k, v) + " dO " + Arrays.toString(dOStrides),
                () -> buildBackward(q, k, v, Tensor.contiguousStrides(oShape), dOStrides), BACKWARD_FALLBACK);
    }

    private Cudnn.Plan forwardPlan(Tensor q, Tensor k, Tensor v, boolean stats) {
        return c.cached((stats ? "attention forward with statistics " : "attention ") + key(q, k, v), () -> buildForward(q, k, v, stats), FORWARD_FALLBACK);
    }

    private static String key(Tensor q, Tensor k, Tensor v) {
        return q.dtype() + Arrays.toString(q.shape()) + Arrays.toString(q.strides()) + Arrays.toString(k.shape()) + Arrays.toString(k.strides())
                + Arrays.toString(v.shape()) + Arrays.toString(v.strides());
    }

    // ---------------------------------------------------------------- graphs

    /** The forward; with {@code stats} the log-sum-exp tensor is an output (uid STATS) instead of virtual. */
    private Cudnn.Plan buildForward(Tensor q, Tensor k, Tensor v, boolean stats) {
        int b = q.size(0), h = q.size(1), sq = q.size(2), d = q.size(3), skv = k.size(2), dv = v.size(3);
        int io = Cudnn.dataType(q.dtype()), f32 = Cudnn.DATA_FLOAT;
        long[] sDims = {b, h, sq, skv}, sStr = {(long) h * sq * skv, (long) sq * skv, skv, 1};
        long[] mDims = {b, h, sq, 1}, mStr = {(long) h * sq, sq, 1, 1};
        MemorySegment tq = input(Q, io, q);
        MemorySegment tkt = transposed(K, io, k);
        MemorySegment tv = input(V, io, v);
        MemorySegment to = c.tensor(O, io, new long[] {b, h, sq, dv}, new long[] {(long) h * sq * dv, (long) sq * dv, dv, 1}, false, false);
        MemorySegment tscale = byValue(SCALE);
        MemorySegment s1 = c.tensor(101, f32, sDims, sStr, true, false);
        MemorySegment s2 = c.tensor(102, f32, sDims, sStr, true, false);
        MemorySegment mx = c.tensor(103, f32, mDims, mStr, true, false);
        MemorySegment sub = c.tensor(104, f32, sDims, sStr, true, false);
        MemorySegment ex = c.tensor(105, f32, sDims, sStr, true, false);
        MemorySegment sum = c.tensor(106, f32, mDims, mStr, true, false);
        MemorySegment lg = c.tensor(107, f32, mDims, mStr, true, false);
        MemorySegment lse = c.tensor(stats ? STATS : 108, f32, mDims, mStr, !stats, false);
        MemorySegment pr = c.tensor(109, io, sDims, sStr, true, false);

        List<MemorySegment> ops = new ArrayList<>();
        ops.add(c.matmul(tq, tkt, s1));
        ops.add(c.pointwise(Cudnn.PW_MUL, s1, tscale, s2));
        ops.add(c.reduction(Cudnn.REDUCE_MAX, s2, mx));
        ops.add(c.pointwise(Cudnn.PW_SUB, s2, mx, sub));
        ops.add(c.pointwise(Cudnn.PW_EXP, sub, null, ex));
        ops.add(c.reduction(Cudnn.REDUCE_ADD, ex, sum));
        ops.add(c.pointwise(Cudnn.PW_LOG, sum, null, lg));
        ops.add(c.pointwise(Cudnn.PW_ADD, mx, lg, lse));
        ops.add(c.pointwise(Cudnn.PW_DIV, ex, sum, pr));
        ops.add(c.matmul(pr, tv, to));
        return c.plan(ops, "attention " + (stats ? "with statistics " : "") + Arrays.toString(q.shape()) + "×" + Arrays.toString(k.shape()));
    }

    /**
     * The backward, as cudnn-frontend's SDPA backward node expands it (no mask, dropout or bias): Pᵀ and dSᵀ are
     * reshapes of the score tensors to {@code [B, H, Lk, Lq]} with column-major strides, in the io dtype; Δ
     * ("softmax_sum", multiplied by a by-value 1 where dropout would put its scale) and the fp32 dQ accumulator are
     * non-virtual scratch tensors the caller provides; dQ is the accumulator converted by an identity op.
     */
    private Cudnn.Plan buildBackward(Tensor q, Tensor k, Tensor v, long[] oStrides, long[] dOStrides) {
        int b = q.size(0), h = q.size(1), sq = q.size(2), d = q.size(3), skv = k.size(2), dv = v.size(3);
        // releases whose backward cudnn-frontend declines or works around (its SDPA backward node's validation)
        long ver = c.version();
        if (ver == 91000 || ver == 91001) throw new CudaException("cuDNN 9.10.0/9.10.1's SDPA backward has known bugs (fixed in 9.10.2)", 3000);
        if (ver <= 91500 && skv % 128 != 0) {
            throw new CudaException("cuDNN " + ver + " needs a padding mask for key lengths off a multiple of 128 (fixed after 9.15); Lk = " + skv, 3000);
        }
        int io = Cudnn.dataType(q.dtype()), f32 = Cudnn.DATA_FLOAT;
        long[] sDims = {b, h, sq, skv}, sStr = {(long) h * sq * skv, (long) sq * skv, skv, 1};
        long[] tDims = {b, h, skv, sq}, tStr = {(long) h * sq * skv, (long) sq * skv, 1, skv};
        long[] mDims = {b, h, sq, 1}, mStr = {(long) h * sq, sq, 1, 1};
        int[] qShape = {b, h, sq, d}, kShape = {b, h, skv, d}, vShape = {b, h, skv, dv}, oShape = {b, h, sq, dv};
        MemorySegment tq = input(Q, io, q);
        MemorySegment tkt = transposed(K, io, k);
        MemorySegment tvt = transposed(V, io, v);
        MemorySegment to = c.tensor(O, io, Cudnn.toLong(oShape), oStrides, false, false);
        MemorySegment tdo = c.tensor(DO, io, Cudnn.toLong(oShape), dOStrides, false, false);
        MemorySegment tstats = c.tensor(STATS, f32, mDims, mStr, false, false);
        MemorySegment tscale = byValue(SCALE), tone = byValue(ONE);
        MemorySegment tsum = c.tensor(SOFTMAX_SUM, f32, mDims, mStr, false, false);
        MemorySegment tacc = dense(DQ_ACCUM, f32, qShape, false);
        MemorySegment tdq = dense(DQ, io, qShape, false);
        MemorySegment tdk = dense(DK, io, kShape, false);
        MemorySegment tdv = dense(DV, io, vShape, false);

        MemorySegment dOO = dense(101, f32, oShape, true);
        MemorySegment rowSum = c.tensor(102, f32, mDims, mStr, true, false);
        MemorySegment s = c.tensor(103, f32, sDims, sStr, true, false);
        MemorySegment scaled = c.tensor(104, f32, sDims, sStr, true, false);
        MemorySegment shifted = c.tensor(105, f32, sDims, sStr, true, false);
        MemorySegment p = c.tensor(106, f32, sDims, sStr, true, false);
        MemorySegment pt = c.tensor(107, io, tDims, tStr, true, false);
        MemorySegment dp = c.tensor(108, f32, sDims, sStr, true, false);
        MemorySegment dpc = c.tensor(109, f32, sDims, sStr, true, false);
        MemorySegment dsu = c.tensor(110, f32, sDims, sStr, true, false);
        MemorySegment ds = c.tensor(111, f32, sDims, sStr, true, false);
        MemorySegment dst = c.tensor(112, io, tDims, tStr, true, false);
        // K itself, [B, H, Lk, D] through k's strides, as a reshape of the Kᵀ operand (virtual, in the graph's fp32
        // intermediate type, as cudnn-frontend leaves it)
        MemorySegment kk = c.tensor(113, f32, Cudnn.toLong(kShape), k.strides(), true, false);

        List<MemorySegment> ops = new ArrayList<>();
        ops.add(c.pointwise(Cudnn.PW_MUL, tdo, to, dOO));                // Δ = rowsum(dO ⊙ O)
        ops.add(c.reduction(Cudnn.REDUCE_ADD, dOO, rowSum));
        ops.add(c.pointwise(Cudnn.PW_MUL, rowSum, tone, tsum));
        ops.add(c.matmul(tq, tkt, s));                                    // P = exp(Q·Kᵀ·scale − Stats)
        ops.add(c.pointwise(Cudnn.PW_MUL, s, tscale, scaled));
        ops.add(c.pointwise(Cudnn.PW_SUB, scaled, tstats, shifted));
        ops.add(c.pointwise(Cudnn.PW_EXP, shifted, null, p));
        ops.add(c.reshape(p, pt));                                        // dV = Pᵀ·dO
        ops.add(c.matmul(pt, tdo, tdv));
        ops.add(c.matmul(tdo, tvt, dp));                                  // dS = P ⊙ (dO·Vᵀ − Δ)·scale
        ops.add(c.pointwise(Cudnn.PW_SUB, dp, tsum, dpc));
        ops.add(c.pointwise(Cudnn.PW_MUL, dpc, p, dsu));
        ops.add(c.pointwise(Cudnn.PW_MUL, dsu, tscale, ds));
        ops.add(c.reshape(ds, dst));                                      // dK = dSᵀ·Q
        ops.add(c.matmul(dst, tq, tdk));
        ops.add(c.reshape(tkt, kk));                                      // dQ = dS·K, accumulated in fp32
        ops.add(c.matmul(ds, kk, tacc));
        ops.add(c.pointwise(Cudnn.PW_IDENTITY, tacc, null, tdq));
        return c.plan(ops, "attention backward " + Arrays.toString(q.shape()) + "×" + Arrays.toString(k.shape()));
    }

    /** A [B, H, L, D] operand read through its strides. */
    private MemorySegment input(long uid, int io, Tensor x) {
        return c.tensor(uid, io, Cudnn.toLong(x.shape()), x.strides(), false, false);
    }

    /** A [B, H, L, D] operand seen as its transpose [B, H, D, L] (the last two dims and strides swapped). */
    private MemorySegment transposed(long uid, int io, Tensor x) {
        long[] s = x.strides();
        return c.tensor(uid, io, new long[] {x.size(0), x.size(1), x.size(3), x.size(2)}, new long[] {s[0], s[1], s[3], s[2]}, false, false);
    }

    private MemorySegment byValue(long uid) {
        return c.tensor(uid, Cudnn.DATA_FLOAT, new long[] {1, 1, 1, 1}, new long[] {1, 1, 1, 1}, false, true);
    }

    private MemorySegment at(Tensor t) { return MemorySegment.ofAddress(dev.addr(t)); }

    private static MemorySegment scalar(Arena a, float value) {
        MemorySegment s = a.allocate(JAVA_FLOAT);
        s.set(JAVA_FLOAT, 0, value);
        return s;
    }

    /** A tensor of {@code shape} with row-major strides. */
    private MemorySegment dense(long uid, int type, int[] shape, boolean virtual) {
        return c.tensor(uid, type, Cudnn.toLong(shape), Tensor.contiguousStrides(shape), virtual, false);
    }
}
