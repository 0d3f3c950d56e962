package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.reel.core.DType;
import dev.reel.core.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Multi-tensor kernels ({@code multi_tensor.cu}): one launch over a list of tensors, as PyTorch's {@code _foreach_}
 * ops, for the per-parameter work at the end of a training step. The list is cut into chunks of at most
 * {@link #CHUNK} values, described by a table of (address, length) pairs copied to the device with the launch.
 */
final class CudaMultiTensor {
    /** Values one block reduces: enough to stream, small enough that a 13.8 M-value gradient spreads over 211 blocks. */
    static final int CHUNK = 1 << 16;

    private final CudaDevice dev;
    private final CudaAllocator out;

    CudaMultiTensor(CudaDevice dev, CudaAllocator out) {
        this.dev = dev;
        this.out = out;
    }

    /** Each tensor's L2 norm as an fp32 {@code [n]} ({@link dev.reel.core.Backend#norms}); null unless all are contiguous fp32 here. */
    Tensor norms(List<Tensor> xs) {
        int n = xs.size();
        if (n == 0) return null;
        long chunks = 0;
        for (Tensor x : xs) {
            if (x.dtype() != DType.F32 || !x.isContiguous()) return null;
            chunks += (x.numel() + CHUNK - 1) / CHUNK;
        }
        Tensor norms = out.empty(DType.F32, n);
        if (chunks == 0) {
            dev.memsetZero(dev.addr(norms), 4L * n);
            return norms;
        }
        // the table: (address, length) per chunk, then each tensor's first chunk, and one past the last
        long[] table = new long[Math.toIntExact(2 * chunks + n + 1)];
        int c = 0;
        for (int t = 0; t < n; t++) {
            Tensor x = xs.get(t);
            table[Math.toIntExact(2 * chunks + t)] = c;
            long base = dev.addr(x), len = x.numel();
            for (long s = 0; s < len; s += CHUNK, c++) {
                table[2 * c] = base + 4 * s;
                table[2 * c + 1] = Math.min(CHUNK, len - s);
            }
        }
        table[table.length - 1] = c;
        Tensor onDevice = out.empty(DType.I64, table.length);
        Tensor partial = out.empty(DType.F32, Math.toIntExact(chunks));
        try {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment host = a.allocate(JAVA_LONG, table.length);
                MemorySegment.copy(table, 0, host, JAVA_LONG, 0, table.length);
                dev.copyToDevice(dev.addr(onDevice), host, 8L * table.length);
            }
            try (KernelArgs k = new KernelArgs()) {
                k.ptr(dev.addr(onDevice)).ptr(dev.addr(partial));
                dev.launch("multi_tensor.cu", "multi_sumsq_chunks", Math.toIntExact(chunks), CudaDevice.BLOCK, 0, k);
            }
            try (KernelArgs k = new KernelArgs()) {
                k.ptr(dev.addr(partial)).ptr(dev.addr(onDevice) + 8 * 2 * chunks).ptr(dev.addr(norms)).i32(n);
                dev.launch("multi_tensor.cu", "multi_norm_combine", dev.grid(n), CudaDevice.BLOCK, 0, k);
            }
        } catch (RuntimeException e) {
            norms.free();
            throw e;
        } finally {
            onDevice.free();
            partial.free();
        }
        return norms;
    }
}
