package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.reel.core.DType;
import dev.reel.core.ReelException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * cuBLASLt ({@code libcublasLt.so.13}, or 12): column-major GEMMs {@code D = alpha·op(A)·op(B)} with fp32
 * accumulation, optional bias (per row of D) and GELU-tanh epilogues, strided batches. The heuristic's choice
 * is cached per shape, layout, alignment and epilogue, together with the descriptors it was made for.
 */
final class CublasLt {
    private static final int CUBLAS_COMPUTE_32F = 68;
    private static final int CUDA_R_32F = 0, CUDA_R_16F = 2, CUDA_R_16BF = 14;
    private static final int DESC_TRANSA = 3, DESC_TRANSB = 4, DESC_EPILOGUE = 7, DESC_BIAS_POINTER = 8, DESC_BIAS_DATA_TYPE = 26;
    private static final int LAYOUT_BATCH_COUNT = 5, LAYOUT_STRIDED_BATCH_OFFSET = 6;
    private static final int PREF_MAX_WORKSPACE = 1, PREF_ALIGN_A = 5, PREF_ALIGN_B = 6, PREF_ALIGN_C = 7, PREF_ALIGN_D = 8;
    private static final int EPI_DEFAULT = 1, EPI_BIAS = 4, EPI_GELU = 32, EPI_GELU_BIAS = 36;
    private static final long HEURISTIC_RESULT_BYTES = 96;
    /** Workspace handed to cuBLASLt (its recommended size on Hopper). */
    static final long WORKSPACE_BYTES = 32L << 20;

    private static volatile NativeLibrary lib;

    private final MethodHandle create, descCreate, descSet, layoutCreate, layoutSet, prefCreate, prefSet, heuristic, matmul, statusName;
    private final MemorySegment handle;
    private final Map<Key, Plan> plans = new ConcurrentHashMap<>();

    /** The problem an algorithm was chosen for. */
    private record Key(DType ab, DType d, boolean ta, boolean tb, long m, long n, long k, long lda, long ldb, long ldd, int batch,
                       long sa, long sb, long sd, int epilogue, DType bias, int align) {}

    /** Descriptors and the chosen algorithm for one {@link Key}; used under its own lock. */
    private record Plan(MemorySegment desc, MemorySegment la, MemorySegment lb, MemorySegment ld, MemorySegment algo, MemorySegment scratch) {}

    CublasLt(List<Path> libraryPath) {
        NativeLibrary l = library(libraryPath);
        FunctionDescriptor setAttr = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG);
        create = l.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cublasLtCreate");
        descCreate = l.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), "cublasLtMatmulDescCreate");
        descSet = l.fn(setAttr, "cublasLtMatmulDescSetAttribute");
        layoutCreate = l.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG), "cublasLtMatrixLayoutCreate");
        layoutSet = l.fn(setAttr, "cublasLtMatrixLayoutSetAttribute");
        prefCreate = l.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cublasLtMatmulPreferenceCreate");
        prefSet = l.fn(setAttr, "cublasLtMatmulPreferenceSetAttribute");
        heuristic = l.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS),
                "cublasLtMatmulAlgoGetHeuristic");
        matmul = l.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG,
                ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS), "cublasLtMatmul");
        statusName = l.fn(FunctionDescriptor.of(ADDRESS, JAVA_INT), "cublasLtGetStatusName");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(ADDRESS);
            check((int) create.invokeExact(h), "cublasLtCreate");
            handle = h.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    /** cuBLASLt, loaded once per process (searching {@code libraryPath} first on that first call). */
    static NativeLibrary library(List<Path> libraryPath) {
        NativeLibrary l = lib;
        if (l == null) {
            synchronized (CublasLt.class) {
                if (lib == null) lib = NativeLibrary.load("cuBLASLt", libraryPath, "libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so");
                l = lib;
            }
        }
        return l;
    }

    private void check(int r, String call) {
        if (r != 0) {
            String name;
            try {
                name = ((MemorySegment) statusName.invokeExact(r)).reinterpret(128).getString(0);
            } catch (Throwable t) {
                name = "cublasStatus " + r;
            }
            throw new CudaException(call + " failed: " + name + " (" + r + ")", r);
        }
    }

    private static int cudaType(DType t) {
        return switch (t) {
            case F32 -> CUDA_R_32F;
            case BF16 -> CUDA_R_16BF;
            case F16 -> CUDA_R_16F;
            default -> throw new ReelException("cuBLASLt matmul does not take " + t + " operands (use F32, BF16 or F16)");
        };
    }

    /** Largest power of two (at most 256) dividing every value: the alignment the heuristic may assume. */
    static int alignment(long... values) {
        int a = 256;
        for (long v : values) while (a > 1 && v % a != 0) a >>= 1;
        return a;
    }

    /**
     * {@code D[m×n] = alpha · op(A) · op(B) (+ bias[m]) (then GELU)}, all column-major, in {@code batch} strided
     * batches. A and B share {@code ab}; D is of type {@code d}.
     *
     * @param bias    device address of a length-m vector of type {@code biasType}, or 0
     * @param gelu    apply GELU (tanh approximation) after the bias
     */
    void gemm(DType ab, DType d, boolean ta, boolean tb, long m, long n, long k, float alpha, long a, long lda, long sa, long b, long ldb,
              long sb, long dPtr, long ldd, long sd, int batch, long bias, DType biasType, boolean gelu, long workspace, MemorySegment stream) {
        int epi = gelu ? (bias != 0 ? EPI_GELU_BIAS : EPI_GELU) : (bias != 0 ? EPI_BIAS : EPI_DEFAULT);
        int e = ab.byteSize();
        int align = alignment(a, b, dPtr, lda * e, ldb * e, ldd * d.byteSize(), sa * e, sb * e, sd * d.byteSize());
        Key key = new Key(ab, d, ta, tb, m, n, k, lda, ldb, ldd, batch, sa, sb, sd, epi, bias != 0 ? biasType : null, align);
        Plan p = plans.get(key);
        if (p == null) p = plans.computeIfAbsent(key, this::plan);
        synchronized (p) {
            try {
                if (bias != 0) {
                    p.scratch.set(JAVA_LONG, 0, bias);
                    check((int) descSet.invokeExact(p.desc, DESC_BIAS_POINTER, p.scratch, 8L), "set bias pointer");
                }
                MemorySegment al = p.scratch.asSlice(8, 4), be = p.scratch.asSlice(12, 4);
                al.set(JAVA_FLOAT, 0, alpha);
                be.set(JAVA_FLOAT, 0, 0f);
                check((int) matmul.invokeExact(handle, p.desc, al, a, p.la, b, p.lb, be, dPtr, p.ld, dPtr, p.ld, p.algo, workspace,
                        WORKSPACE_BYTES, stream), "cublasLtMatmul(" + describe(key) + ")");
            } catch (Throwable t) {
                throw CudaDriver.rethrow(t);
            }
        }
    }

    private static String describe(Key k) {
        return "m=" + k.m + " n=" + k.n + " k=" + k.k + " " + k.ab + "→" + k.d + (k.ta ? " Aᵀ" : "") + (k.tb ? " Bᵀ" : "") + " batch=" + k.batch;
    }

    private Plan plan(Key k) {
        Arena g = Arena.global();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) descCreate.invokeExact(out, CUBLAS_COMPUTE_32F, CUDA_R_32F), "cublasLtMatmulDescCreate");
            MemorySegment desc = out.get(ADDRESS, 0);
            setInt(descSet, desc, DESC_TRANSA, k.ta ? 1 : 0, a);
            setInt(descSet, desc, DESC_TRANSB, k.tb ? 1 : 0, a);
            setInt(descSet, desc, DESC_EPILOGUE, k.epilogue, a);
            if (k.bias != null) setInt(descSet, desc, DESC_BIAS_DATA_TYPE, cudaType(k.bias), a);
            MemorySegment la = layout(k.ab, k.ta ? k.k : k.m, k.ta ? k.m : k.k, k.lda, k.batch, k.sa, a);
            MemorySegment lb = layout(k.ab, k.tb ? k.n : k.k, k.tb ? k.k : k.n, k.ldb, k.batch, k.sb, a);
            MemorySegment ld = layout(k.d, k.m, k.n, k.ldd, k.batch, k.sd, a);
            check((int) prefCreate.invokeExact(out), "cublasLtMatmulPreferenceCreate");
            MemorySegment pref = out.get(ADDRESS, 0);
            MemorySegment ws = a.allocate(JAVA_LONG);
            ws.set(JAVA_LONG, 0, WORKSPACE_BYTES);
            check((int) prefSet.invokeExact(pref, PREF_MAX_WORKSPACE, ws, 8L), "set workspace preference");
            for (int attr : new int[] {PREF_ALIGN_A, PREF_ALIGN_B, PREF_ALIGN_C, PREF_ALIGN_D}) setInt(prefSet, pref, attr, k.align, a);
            MemorySegment results = a.allocate(HEURISTIC_RESULT_BYTES, 8);
            MemorySegment count = a.allocate(JAVA_INT);
            int r = (int) heuristic.invokeExact(handle, desc, la, lb, ld, ld, pref, 1, results, count);
            if (r != 0 || count.get(JAVA_INT, 0) == 0) {
                throw new CudaException("cuBLASLt has no algorithm for " + describe(k) + " (alignment " + k.align + " bytes, status " + r + ")", r);
            }
            MemorySegment algo = g.allocate(64, 8);
            MemorySegment.copy(results, 0, algo, 0, 64);
            return new Plan(desc, la, lb, ld, algo, g.allocate(16, 8));
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    private MemorySegment layout(DType t, long rows, long cols, long ld, int batch, long stride, Arena a) throws Throwable {
        MemorySegment out = a.allocate(ADDRESS);
        check((int) layoutCreate.invokeExact(out, cudaType(t), rows, cols, ld), "cublasLtMatrixLayoutCreate");
        MemorySegment l = out.get(ADDRESS, 0);
        if (batch > 1) {
            setInt(layoutSet, l, LAYOUT_BATCH_COUNT, batch, a);
            MemorySegment s = a.allocate(JAVA_LONG);
            s.set(JAVA_LONG, 0, stride);
            check((int) layoutSet.invokeExact(l, LAYOUT_STRIDED_BATCH_OFFSET, s, 8L), "set batch stride");
        }
        return l;
    }

    private void setInt(MethodHandle setter, MemorySegment obj, int attr, int value, Arena a) throws Throwable {
        MemorySegment v = a.allocate(JAVA_INT);
        v.set(JAVA_INT, 0, value);
        check((int) setter.invokeExact(obj, attr, v, 4L), "set attribute " + attr);
    }
}
