package dev.reel.cuda;

import dev.reel.core.AdamWStep;
import dev.reel.core.AttentionBackend;
import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.DeviceTimer;
import dev.reel.core.MemoryStats;
import dev.reel.core.ReelException;
import dev.reel.core.SystemOptions;
import dev.reel.core.Tensor;
import dev.reel.core.WeightStreamer;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The CUDA backend of one device with one set of {@link SystemOptions}: a thin front over the device's bottom layer
 * ({@link CudaDevice}: context, stream, pool, launches, libraries) and the op families beside it
 * ({@link CudaElementwise}, {@link CudaNorm}, {@link CudaReduce}, {@link CudaLayout}, {@link CudaRope},
 * {@link CudaLinalg}, {@link CudaAttention}, {@link CudaTransfers}). Reel's NVRTC kernels run pointwise ops, norms,
 * reductions, layout ops and flash attention; cuBLASLt the matrix products and im2col convolutions; cuDNN the fused
 * attention and 16-bit convolutions. All work is queued on the device's one stream, so tensors of several fronts
 * of one device may be mixed. bf16 is the intended compute dtype on the GPU (fp32 stays exact); statistics of norms
 * and the fused modulation are computed in fp32.
 *
 * <p>Made by {@link CudaBackendProvider} through {@code Backends.of(device, options)}: the options fix the
 * attention kernel ({@link SystemOptions#attention()}, resolved once by {@link AttentionSelector}) and the
 * convolution path ({@link SystemOptions#convolution()}) of this front for its lifetime.
 */
public final class CudaBackend implements Backend {
    private final CudaDevice dev;

    /** The device's bottom layer (stream, pool, addresses), for the NCCL communicator. */
    CudaDevice cudaDevice() { return dev; }
    private final SystemOptions options;
    private final CudaElementwise ew;
    private final CudaNorm norm;
    private final CudaReduce reduce;
    private final CudaLayout layout;
    private final CudaRope rope;
    private final CudaLinalg linalg;
    private final CudaAttention attention;
    private final CudaAttentionBackward attentionBackward;
    private final CudaTransfers transfers;
    private final CudaMultiTensor multi;

    CudaBackend(Device device, SystemOptions options) {
        this.dev = CudaDevice.open(device, options);
        this.options = options;
        CudaAllocator out = (dtype, shape) -> dev.tensor(this, dtype, shape);
        this.ew = new CudaElementwise(dev, out);
        this.reduce = new CudaReduce(dev, out);
        this.norm = new CudaNorm(dev, out, reduce);
        this.layout = new CudaLayout(dev, out, ew);
        this.rope = new CudaRope(dev, out, ew);
        this.linalg = new CudaLinalg(dev, out, ew, !"im2col".equals(options.convolution()));
        this.attention = new CudaAttention(dev, out, ew, norm, linalg, options.attention());
        this.attentionBackward = new CudaAttentionBackward(dev, out, ew, attention);
        this.transfers = new CudaTransfers(dev, out, ew);
        this.multi = new CudaMultiTensor(dev, out);
    }

    @Override public Device device() { return dev.device(); }

    /** The GPU's name, e.g. "NVIDIA H100 80GB HBM3". */
    @Override public String deviceName() { return dev.name(); }

    /** Compute capability as "major.minor". */
    public String computeCapability() { return dev.computeCapability() / 10 + "." + dev.computeCapability() % 10; }

    /** Number of streaming multiprocessors. */
    public int multiprocessors() { return dev.multiprocessors(); }

    /** The system options this front was made with. */
    public SystemOptions options() { return options; }

    /**
     * The kernel that runs unbiased bf16/fp16 attention on this front, {@code SDPA} (cuDNN) or {@code FLASH} (Reel's):
     * {@link SystemOptions#attention()} resolved against the device once (the first call may load cuDNN).
     */
    public AttentionBackend attentionBackend() { return attention.selected(); }

    @Override public void synchronize() { dev.synchronize(); }

    // ---------------------------------------------------------------- statistics, timing, graphs

    /** The device pool's bytes in use by tensors, their peak, and the bytes the pool holds from the driver. */
    @Override public MemoryStats memoryStats() { return dev.memoryStats(); }

    @Override public void resetPeakMemory() { dev.resetPeak(); }

    /** A timer of CUDA events on the device's stream. */
    @Override public DeviceTimer timer() { return dev.timer(); }

    /**
     * Captures the work {@code body} queues into a CUDA graph for cheap replay. The body must not read values
     * back to the host; tensors it allocates must be freed inside it (open a {@link dev.reel.core.Scope}), and it
     * should write its results into tensors made before the capture.
     */
    public CudaGraph capture(Runnable body) { return dev.capture(body); }

    // ---------------------------------------------------------------- memory

    /** Pinned host memory streamed through two device slots on a copy stream ({@link CudaWeightStreamer}). */
    @Override public WeightStreamer streamWeights(List<List<Tensor>> groups) { return new CudaWeightStreamer(this, dev, groups); }

    @Override public Tensor empty(DType dtype, int... shape) { return dev.tensor(this, dtype, shape); }

    @Override public Tensor zeros(DType dtype, int... shape) {
        Tensor t = empty(dtype, shape);
        dev.memsetZero(dev.addr(t), t.numel() * dtype.byteSize());
        return t;
    }

    @Override public Tensor full(float value, DType dtype, int... shape) {
        Tensor t = empty(dtype, shape);
        ew.fill(t, value);
        return t;
    }

    @Override public Tensor uniform(long seed, double lo, double hi, double offset, DType dtype, int... shape) {
        if (dtype == DType.F8_E4M3) throw new ReelException("uniform: F8_E4M3 is a storage format; draw F32, BF16 or F16");
        Tensor t = empty(dtype, shape);
        ew.uniform(t, seed, lo, hi, offset);
        return t;
    }

    @Override public Tensor fromFloats(float[] data, DType dtype, int... shape) { return transfers.fromFloats(data, dtype, shape); }
    @Override public Tensor fromSegment(MemorySegment src, DType srcType, DType dtype, int... shape) { return transfers.fromSegment(src, srcType, dtype, shape); }
    @Override public float[] toFloatArray(Tensor t) { return transfers.toFloatArray(t); }
    @Override public Tensor copyFrom(Tensor t) { return transfers.copyFrom(t); }
    @Override public Tensor contiguous(Tensor t) { return ew.contiguous(t); }
    @Override public Tensor cast(Tensor t, DType dtype) { return ew.cast(t, dtype); }
    @Override public void copyInto(Tensor dst, Tensor src) { ew.copyInto(dst, src); }

    // ---------------------------------------------------------------- compute

    @Override public Tensor add(Tensor a, Tensor b) { return ew.add(a, b); }
    @Override public Tensor sub(Tensor a, Tensor b) { return ew.sub(a, b); }
    @Override public Tensor mul(Tensor a, Tensor b) { return ew.mul(a, b); }
    @Override public Tensor div(Tensor a, Tensor b) { return ew.div(a, b); }
    @Override public Tensor scale(Tensor a, float s) { return ew.affine(a, s, 0f); }
    @Override public Tensor addScalar(Tensor a, float s) { return ew.affine(a, 1f, s); }
    @Override public Tensor unary(Unary op, Tensor a) { return ew.unary(op, a); }
    @Override public Tensor geluTanhBackward(Tensor x, Tensor g) { return ew.geluTanhBackward(x, g); }
    @Override public Tensor clamp(Tensor x, float min, float max) { return ew.clamp(x, min, max); }
    @Override public Tensor modulate(Tensor x, Tensor shift, Tensor scale) { return ew.modulate(x, shift, scale); }
    @Override public Tensor gatedResidual(Tensor x, Tensor y, Tensor gate) { return ew.gatedResidual(x, y, gate); }
    @Override public void adamw(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamWStep s) {
        if (!ew.adamw(param, grad, expAvg, expAvgSq, s)) Backend.super.adamw(param, grad, expAvg, expAvgSq, s);
    }
    @Override public Tensor rope(Tensor x, Tensor cos, Tensor sin) { return rope.rope(x, cos, sin); }
    @Override public Tensor matmul(Tensor a, Tensor b) { return linalg.matmul(a, b, 1f); }
    @Override public Tensor linear(Tensor x, Tensor w, Tensor bias) { return linalg.linear(x, w, bias, false); }
    /** {@code gelu_tanh(x · wᵀ + bias)} with the activation fused into cuBLASLt's epilogue. */
    @Override public Tensor linearGeluTanh(Tensor x, Tensor w, Tensor bias) { return linalg.linear(x, w, bias, true); }
    @Override public Tensor conv3d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding) { return linalg.conv3d(x, w, bias, stride, padding); }
    @Override public Tensor conv3dBackwardData(Tensor dy, Tensor w, int[] xShape, int[] stride, int[] padding) {
        return linalg.conv3dBackwardData(dy, w, xShape, stride, padding);
    }
    @Override public Tensor conv3dBackwardFilter(Tensor x, Tensor dy, int[] wShape, int[] stride, int[] padding) {
        return linalg.conv3dBackwardFilter(x, dy, wShape, stride, padding);
    }
    @Override public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding) { return linalg.conv2d(x, w, bias, stride, padding); }
    @Override public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) { return norm.layerNorm(x, weight, bias, eps); }
    @Override public Tensor rmsNorm(Tensor x, Tensor weight, float eps) { return norm.rmsNorm(x, weight, eps); }
    @Override public Tensor channelNorm(Tensor x, Tensor gamma, float scale, float eps, boolean silu) {
        Tensor y = norm.channelNorm(x, gamma, scale, eps, silu);
        return y != null ? y : Backend.super.channelNorm(x, gamma, scale, eps, silu);
    }
    /** One pass over x and g ({@code norm_bwd.cu}) for D up to 8192; the weight's and bias's sums folded by {@link CudaReduce}. */
    @Override public Tensor[] layerNormBackward(Tensor x, Tensor weight, float eps, Tensor g, boolean affineGrads) {
        return norm.layerNormBackward(x, weight, eps, g, affineGrads);
    }
    @Override public Tensor[] rmsNormBackward(Tensor x, Tensor weight, float eps, Tensor g, boolean weightGrad) {
        return norm.rmsNormBackward(x, weight, eps, g, weightGrad);
    }
    @Override public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps) { return norm.groupNorm(x, groups, weight, bias, eps); }
    @Override public Tensor softmax(Tensor x) { return norm.softmax(x); }
    @Override public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor bias, float scale) { return attention.attention(q, k, v, bias, scale); }
    /**
     * For bf16/fp16: cuDNN's fused SDPA backward where the attention selection is {@code SDPA} and cuDNN takes the
     * problem (gradients in q's dtype), else Reel's flash backward ({@code attention_bwd.cu}, head dim 64 or 128;
     * gradients in fp32); null otherwise.
     */
    @Override public Tensor[] attentionBackward(Tensor q, Tensor k, Tensor v, Tensor o, Tensor stats, Tensor dO, float scale) {
        return attentionBackward.backward(q, k, v, o, stats, dO, scale);
    }
    /** cuDNN's forward with its softmax statistics where its backward will run (bf16/fp16, selection {@code SDPA}); else null. */
    @Override public Tensor[] attentionForBackward(Tensor q, Tensor k, Tensor v, float scale) {
        return attentionBackward.forwardForBackward(q, k, v, scale);
    }
    @Override public Tensor sum(Tensor x, int dim, boolean keepDim) { return reduce.sum(x, dim, keepDim); }
    @Override public Tensor mean(Tensor x, int dim, boolean keepDim) { return reduce.mean(x, dim, keepDim); }
    @Override public Tensor max(Tensor x, int dim, boolean keepDim) { return reduce.max(x, dim, keepDim); }
    @Override public Tensor norm(Tensor x, int dim, boolean keepDim) { return reduce.norm(x, dim, keepDim); }
    /** Contiguous fp32 tensors (gradients) in one multi-tensor pass; others as the default does. */
    @Override public Tensor norms(List<Tensor> xs) {
        Tensor r = multi.norms(xs);
        return r != null ? r : Backend.super.norms(xs);
    }
    @Override public Tensor concat(int dim, Tensor... xs) { return layout.concat(dim, xs); }
    @Override public Tensor pad(Tensor x, int[] pads, float value) { return layout.pad(x, pads, value); }
    @Override public Tensor embedding(Tensor weight, int[] ids, int... idsShape) { return layout.embedding(weight, ids, idsShape); }
    @Override public Tensor upsampleNearest2x(Tensor x) { return layout.upsampleNearest2x(x); }

    @Override public String toString() {
        return "CudaBackend[" + dev + ", attention " + options.attention() + ", convolution " + options.convolution() + "]";
    }
}
